"""The browser pages: the single-page app built from `web/` by Vite, served by the app
itself at `/`, same origin as the API it calls."""
