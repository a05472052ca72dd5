"""Interface strings, French first, with the English switch.

Only interface text lives here; answers come from the assistant in the
language it detects (or the one asked for).
"""

from __future__ import annotations

from typing import Any

STRINGS: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Assistant du Plan IA Occitanie 2024-2028",
        "disclaimer": (
            "Assistant automatisé : il peut se tromper. Vérifiez les sources citées et "
            "contactez AD'OCC ou la Région Occitanie pour toute démarche. "
            "Sources à jour au {date}."
        ),
        "lang_label": "Langue de l'interface",
        "tab_chat": "Discuter",
        "tab_eligibility": "Éligibilité",
        "chatbot": "Conversation avec l'assistant",
        "question": "Votre question",
        "placeholder": "Posez votre question sur le Plan IA Occitanie…",
        "send": "Envoyer",
        "new": "Nouvelle conversation",
        "examples": "Exemples de questions",
        "audiences": {
            "citoyen": "Citoyens",
            "entreprise": "Entreprises et PME",
            "formation": "Étudiants et formation",
        },
        "examples_by_audience": {
            "citoyen": [
                "Qu'est-ce que le Plan IA Occitanie ?",
                "Quel est le budget total du plan ?",
                "Qui contacter à la Région ?",
            ],
            "entreprise": [
                "Je suis une PME de santé à Montpellier, quelle enveloppe me concerne ?",
                "Combien pour les projets de R&D des entreprises ?",
                "Quelle est la date limite pour déposer un dossier ?",
            ],
            "formation": [
                "Combien pour la formation aux métiers de l'IA ?",
                "Quelles formations post-bac sont financées ?",
                "Quel budget pour la recherche en IA ?",
            ],
        },
        "feedback_prompt": "Merci pour votre avis. Un commentaire ? (facultatif)",
        "feedback_comment": "Votre commentaire (facultatif)",
        "feedback_send": "Envoyer le commentaire",
        "feedback_thanks": "Merci, votre avis a été enregistré.",
        "handoff": "Parler à un conseiller",
        "handoff_intro": (
            "Un conseiller de la Région lira cette conversation. Laissez un e-mail ou un "
            "téléphone pour être recontacté, ou restez anonyme."
        ),
        "handoff_offer": "Cette réponse ne vous aide pas ? Vous pouvez **parler à un conseiller** ci-dessous.",
        "handoff_email": "E-mail (facultatif)",
        "handoff_phone": "Téléphone (facultatif)",
        "handoff_consent": (
            "J'accepte que la Région conserve ces coordonnées pour me recontacter "
            "à propos de cette demande."
        ),
        "handoff_message": "Message (facultatif)",
        "handoff_send": "Envoyer la demande",
        "sources": "Sources",
        "contacts": "Contacts utiles",
        "source": "Source",
        "source_date": "Date de la source",
        "confidence": "Fiabilité",
        "confidence.confirmed": "confirmée",
        "confidence.reported": "rapportée par la presse",
        "confidence.unverified": "non vérifiée",
        "confidence.estimated": "estimée",
        "excerpt": "Voir l'extrait",
        "open_source": "Ouvrir la source",
        "website": "Site web",
        "too_long": "Votre question est trop longue ({n} caractères) : la limite est de 2 000.",
        "drafting": "Rédaction en cours (les sources sont vérifiées à la fin)…",
        "answer_failed": "La réponse n'a pas pu être calculée. Réessayez dans un instant.",
        "busy": "Le service est très sollicité : réessayez dans quelques secondes.",
        "details": "Détails (verdicts par dispositif, calculs)",
        "calculation": "Calcul",
        "searching": "Recherche dans les documents…",
        "you": "Vous",
        "verdict_labels": {
            "correspond": "correspond",
            "à vérifier": "à vérifier",
            "ne correspond pas": "ne correspond pas",
        },
        "no_match_group": "Dispositifs qui ne correspondent pas ({n})",
        "creation_year": "Année de création",
        "not_a_number": "« {value} » n'est pas un nombre : écrivez par exemple 1 200 000.",
        "html_lang": "fr",
        # eligibility form
        "elig_intro": (
            "Décrivez votre organisation : l'assistant indique pour chaque dispositif du plan "
            "si vous correspondez à la cible, avec les raisons et les sources. Tous les champs "
            "sont facultatifs."
        ),
        "org_type": "Type d'organisation",
        "staff": "Effectif (personnes)",
        "turnover": "Chiffre d'affaires annuel (€)",
        "balance": "Total du bilan (€)",
        "departement": "Département",
        "sector": "Secteur d'activité",
        "project_type": "Type de projet",
        "check": "Vérifier mon éligibilité",
        "unspecified": "Non précisé",
        "outside": "Hors Occitanie",
        "verdicts": "Résultats par dispositif",
        "missing": "À préciser",
        "sme_category": "Catégorie d'entreprise",
        "ai_specialist": "L'IA est-elle le cœur de votre activité ?",
        "yes": "Oui",
        "no": "Non",
        "fields": {
            "org_type": "type d'organisation",
            "staff": "effectif",
            "turnover_eur": "chiffre d'affaires",
            "balance_sheet_eur": "total du bilan",
            "location": "localisation",
            "departement": "département",
            "in_occitanie": "localisation en Occitanie",
            "sector": "secteur",
            "ai_specialist": "IA comme cœur de métier",
            "project_type": "type de projet",
            "company_age_years": "âge de l'entreprise",
        },
        "org_types": {
            "entreprise": "Entreprise",
            "startup": "Start-up",
            "recherche": "Laboratoire ou organisme de recherche",
            "formation": "Organisme de formation",
            "etudiant": "Étudiant",
            "demandeur_emploi": "Demandeur d'emploi",
            "salarie": "Salarié",
            "public": "Collectivité ou service public",
            "association": "Association",
        },
        "sectors": {
            "sante": "Santé",
            "agriculture": "Agriculture",
            "aerospatial": "Aéronautique et spatial",
            "mobilite": "Mobilité",
            "numerique": "Numérique",
            "autre": "Autre",
        },
        "project_types": {
            "rd": "Recherche et développement",
            "adoption_ia": "Adopter l'IA dans mon activité",
            "formation": "Formation",
            "recherche": "Recherche",
            "service_public": "Service public",
            "creation": "Création d'entreprise",
        },
    },
    "en": {
        "title": "Occitanie AI Plan 2024-2028 assistant",
        "disclaimer": (
            "Automated assistant: it can make mistakes. Check the cited sources and contact "
            "AD'OCC or the Occitanie Region before any step. Sources as of {date}."
        ),
        "lang_label": "Interface language",
        "tab_chat": "Chat",
        "tab_eligibility": "Eligibility",
        "chatbot": "Conversation with the assistant",
        "question": "Your question",
        "placeholder": "Ask about the Occitanie AI Plan…",
        "send": "Send",
        "new": "New conversation",
        "examples": "Example questions",
        "audiences": {
            "citoyen": "Citizens",
            "entreprise": "Companies and SMEs",
            "formation": "Students and training",
        },
        "examples_by_audience": {
            "citoyen": [
                "What is the Occitanie AI Plan?",
                "What is the total budget of the plan?",
                "Who should I contact at the Region?",
            ],
            "entreprise": [
                "I run a health SME in Montpellier: which envelope is for me?",
                "How much goes to companies' R&D projects?",
                "What is the deadline to apply?",
            ],
            "formation": [
                "How much is spent on AI training?",
                "Which post-graduate courses are funded?",
                "What is the budget for AI research?",
            ],
        },
        "feedback_prompt": "Thank you for your feedback. Any comment? (optional)",
        "feedback_comment": "Your comment (optional)",
        "feedback_send": "Send comment",
        "feedback_thanks": "Thank you, your feedback was saved.",
        "handoff": "Talk to an adviser",
        "handoff_intro": (
            "An adviser of the Région will read this conversation. Leave an e-mail or a "
            "phone number to be contacted, or stay anonymous."
        ),
        "handoff_offer": "Not helpful? You can **talk to an adviser** below.",
        "handoff_email": "E-mail (optional)",
        "handoff_phone": "Phone (optional)",
        "handoff_consent": "I agree that the Région keeps these details to contact me about this request.",
        "handoff_message": "Message (optional)",
        "handoff_send": "Send the request",
        "sources": "Sources",
        "contacts": "Useful contacts",
        "source": "Source",
        "source_date": "Source date",
        "confidence": "Reliability",
        "confidence.confirmed": "confirmed",
        "confidence.reported": "reported by the press",
        "confidence.unverified": "unverified",
        "confidence.estimated": "estimated",
        "excerpt": "Show the excerpt",
        "open_source": "Open the source",
        "website": "Website",
        "too_long": "Your question is too long ({n} characters): the limit is 2,000.",
        "drafting": "Writing (the sources are checked at the end)…",
        "answer_failed": "The answer could not be computed. Please try again in a moment.",
        "busy": "The service is busy: please try again in a few seconds.",
        "details": "Details (verdicts per scheme, calculations)",
        "calculation": "Calculation",
        "searching": "Searching the documents…",
        "you": "You",
        "verdict_labels": {
            "correspond": "matches",
            "à vérifier": "to be checked",
            "ne correspond pas": "does not match",
        },
        "no_match_group": "Schemes that do not match ({n})",
        "creation_year": "Year of creation",
        "not_a_number": "“{value}” is not a number: write for example 1200000.",
        "html_lang": "en",
        "elig_intro": (
            "Describe your organisation: for each scheme of the plan the assistant tells "
            "whether you match its target group, with reasons and sources. Every field is "
            "optional."
        ),
        "org_type": "Type of organisation",
        "staff": "Staff (people)",
        "turnover": "Annual turnover (€)",
        "balance": "Balance sheet total (€)",
        "departement": "Département",
        "sector": "Sector",
        "project_type": "Project type",
        "check": "Check my eligibility",
        "unspecified": "Not specified",
        "outside": "Outside Occitanie",
        "verdicts": "Results per scheme",
        "missing": "To be specified",
        "sme_category": "Company category",
        "ai_specialist": "Is AI your core business?",
        "yes": "Yes",
        "no": "No",
        "fields": {
            "org_type": "type of organisation",
            "staff": "staff",
            "turnover_eur": "turnover",
            "balance_sheet_eur": "balance sheet total",
            "location": "location",
            "departement": "département",
            "in_occitanie": "location in Occitanie",
            "sector": "sector",
            "ai_specialist": "AI as core business",
            "project_type": "project type",
            "company_age_years": "company age",
        },
        "org_types": {
            "entreprise": "Company",
            "startup": "Start-up",
            "recherche": "Research laboratory or body",
            "formation": "Training provider",
            "etudiant": "Student",
            "demandeur_emploi": "Jobseeker",
            "salarie": "Employee",
            "public": "Local authority or public service",
            "association": "Non-profit association",
        },
        "sectors": {
            "sante": "Health",
            "agriculture": "Agriculture",
            "aerospatial": "Aerospace",
            "mobilite": "Mobility",
            "numerique": "Digital",
            "autre": "Other",
        },
        "project_types": {
            "rd": "Research and development",
            "adoption_ia": "Adopt AI in my business",
            "formation": "Training",
            "recherche": "Research",
            "service_public": "Public service",
            "creation": "Starting a company",
        },
    },
}


def t(lang: str | None, key: str) -> Any:
    """The string ``key`` in ``lang`` (French when missing); the key itself if unknown."""
    table = STRINGS.get(lang or "fr", STRINGS["fr"])
    if key in table:
        return table[key]
    return STRINGS["fr"].get(key, key)
