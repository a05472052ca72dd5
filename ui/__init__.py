"""Web front end (Gradio + FastAPI); the only package that imports Gradio."""
