"""Corpus ingestion: loaders (one per format) and heading-aware chunking."""
