"""Streamlit-side helpers shared by the pages: translation table, cached loaders, the sidebar,
and picture conversion. The `vae` library never imports this package."""
