"""The importers' shared toolkit: what every generator's module uses.

``frontmatter`` reads metadata, ``entry`` gives the shared keys their meaning, ``files``
walks a generator's folder, ``convert`` and ``html`` turn generator syntax into Markdown,
``permalinks`` works out old URLs, ``covers`` finds featured images, ``fetch`` downloads an
old site's images, ``series`` and ``topics`` order and name, ``report`` accounts for every
file. Nothing here imports a generator's module or ``pressmark.web``.
"""
