"""Web front end (Gradio + FastAPI); the only package that imports Gradio.

Gradio's telemetry (a version check and usage reports to api.gradio.app) is
switched off before Gradio is imported: the app runs offline, and what
citizens ask is nobody else's business. ``create_app`` switches it off again
whatever the environment says.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
