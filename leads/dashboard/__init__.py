"""The inquiry dashboard for managers in the admin: figures (the numbers), charts (the
same numbers drawn as SVG) and views (the page and its charts, at the admin's URLs)."""
