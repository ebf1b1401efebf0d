"""The weekly reliability review: its content from the warehouse, charts, rendering
(Markdown, HTML, text, a static site) and e-mail (docs/review.md)."""
