"""Staff login: signed session cookie, CSRF token, lockout (``assistant.accounts``).

* ``/staff/login`` (GET form, POST check), ``/staff/logout`` (POST).
* :meth:`StaffAuth.require` is the guard of ``/agent/inbox`` and ``/admin``: no
  account configured → 404 (the pages are switched off); no valid session →
  303 to the login page for a browser, 401 for anything else; wrong role → 403.
* Every state-changing form carries the session's CSRF token (checked with
  :meth:`StaffAuth.check_csrf`), and the cookie is ``SameSite=Strict``.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.accounts import Accounts
    from assistant.settings import Settings
    from ui.staff.pages import Pages

SESSION_COOKIE = "oc_staff"
LOGIN_COOKIE = "oc_login"
AREA_LABELS = {"agent": "la boîte de réception des conseillers", "editor": "la console éditoriale"}


@dataclass(frozen=True)
class StaffSession:
    name: str
    role: str
    csrf: str

    def can(self, area: str) -> bool:
        from assistant.accounts import role_can

        return role_can(self.role, area)


class LoginRequired(Exception):
    """Raised by the guard; turned into a redirect (browser) or a 401 (API client)."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class StaffAuth:
    def __init__(self, accounts: Accounts, key: bytes, settings: Settings, pages: Pages) -> None:
        self.accounts = accounts
        self.key = key
        self.settings = settings
        self.pages = pages

    # -- sessions ---------------------------------------------------------------
    def session(self, request: Request) -> StaffSession | None:
        from assistant.accounts import unsign

        data = unsign(self.key, request.cookies.get(SESSION_COOKIE))
        if not data or data.get("k") != "s":
            return None
        user = self.accounts.users.get(str(data.get("u")))
        if user is None or user.role != data.get("r"):  # account removed or changed
            return None
        return StaffSession(user.name, user.role, str(data.get("c", "")))

    def require(self, request: Request, area: str) -> StaffSession:
        if not self.accounts.enabled:
            raise HTTPException(
                status_code=404,
                detail="Désactivé : aucun compte n'est configuré (ASSISTANT_STAFF_USERS).",
            )
        session = self.session(request)
        if session is None:
            raise LoginRequired(request.url.path)
        if not session.can(area):
            raise HTTPException(status_code=403, detail=f"Accès réservé à {AREA_LABELS[area]}.")
        return session

    def check_csrf(self, request: Request, session: StaffSession, token: str) -> None:
        """The form's token is the session's, and the request comes from this site."""
        origin = request.headers.get("origin")
        if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
            raise HTTPException(status_code=403, detail="Requête d'un autre site refusée.")
        if not token or not hmac.compare_digest(token, session.csrf):
            raise HTTPException(
                status_code=403, detail="Jeton de formulaire invalide : rechargez la page."
            )

    def _cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=self.settings.cookie_secure,
            samesite="strict",
        )

    # -- routes -----------------------------------------------------------------
    def router(self) -> APIRouter:
        from assistant.accounts import sign, unsign

        router = APIRouter(include_in_schema=False)

        def login_page(next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
            csrf = secrets.token_urlsafe(24)
            html = self.pages.render(
                "login.html",
                title="Connexion",
                csrf=csrf,
                next=_safe_next(next_path),
                error=error,
                enabled=self.accounts.enabled,
            )
            response = HTMLResponse(html, status_code=status)
            token = sign(self.key, {"k": "l", "c": csrf, "exp": time.time() + 1800})
            self._cookie(response, LOGIN_COOKIE, token, 1800)
            return response

        @router.get("/staff/login", response_class=HTMLResponse)
        def login_form(next: str = "/agent/inbox") -> HTMLResponse:
            return login_page(next)

        @router.post("/staff/login")
        def login(
            request: Request,
            username: str = Form("", max_length=64),
            password: str = Form("", max_length=256),
            csrf: str = Form("", max_length=64),
            next: str = Form("/agent/inbox", max_length=300),
        ) -> Response:
            expected = unsign(self.key, request.cookies.get(LOGIN_COOKIE)) or {}
            if not csrf or not hmac.compare_digest(csrf, str(expected.get("c", ""))):
                return login_page(next, "Formulaire expiré : veuillez réessayer.", 403)
            if not self.accounts.enabled:
                return login_page(next, "Aucun compte n'est configuré.", 404)
            user = self.accounts.authenticate(username, password)
            if user is None:
                if self.accounts.locked(username.strip()[:64]):
                    message = (
                        "Trop d'échecs : ce compte est verrouillé pendant "
                        f"{self.settings.login_lockout_minutes:g} minutes."
                    )
                    return login_page(next, message, 429)
                return login_page(next, "Identifiant ou mot de passe incorrect.", 401)
            lifetime = int(self.settings.session_hours * 3600)
            token = sign(
                self.key,
                {
                    "k": "s",
                    "u": user.name,
                    "r": user.role,
                    "c": secrets.token_urlsafe(24),
                    "exp": time.time() + lifetime,
                },
            )
            response = RedirectResponse(_safe_next(next), status_code=303)
            self._cookie(response, SESSION_COOKIE, token, lifetime)
            response.delete_cookie(LOGIN_COOKIE, path="/")
            return response

        @router.post("/staff/logout")
        def logout(request: Request, csrf: str = Form("", max_length=64)) -> Response:
            session = self.session(request)
            if session is not None:
                self.check_csrf(request, session, csrf)
            response = RedirectResponse("/staff/login", status_code=303)
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response

        return router

    def install_handlers(self, app: FastAPI) -> None:
        @app.exception_handler(LoginRequired)
        async def _login_required(request: Request, exc: LoginRequired) -> Any:
            if "text/html" in request.headers.get("accept", ""):
                return RedirectResponse(
                    f"/staff/login?next={quote(exc.next_path)}", status_code=303
                )
            return JSONResponse(
                {"detail": "Authentification requise."},
                status_code=401,
                headers={"www-authenticate": 'Cookie realm="staff"'},
            )


def _safe_next(path: str) -> str:
    """Only a path of this site (no ``//host`` or ``https://``): no open redirect."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/agent/inbox"
    return path
