"""Answer post-processing. Submodules are imported directly (``assistant.answer.guard``)
so this package stays import-light for whoever adds generation code beside it."""
