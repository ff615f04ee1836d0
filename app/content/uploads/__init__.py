"""Uploads in one place: receiving an image (``receive``: checked by its bytes, stored by
content hash, recorded), processing it (``images``: decoded, cleaned, resized into
renditions, its ``<picture>`` markup), where the bytes live (``storage``: files or the
database) and the batch job for images stored before processing (``older``:
``pressmark uploads process``). The web layer only routes to these
(``pressmark.web.editor.uploads``)."""
