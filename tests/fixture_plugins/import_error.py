"""A plugin that cannot even be imported."""

raise ImportError("import_error plugin needs a module that is not installed")
