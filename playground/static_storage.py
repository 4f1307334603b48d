"""Static files under hashed names once collected, plain names before.

WhiteNoise's compressed manifest storage (collectstatic writes ``js/dom.<hash>.js`` and its
``.gz``; WhiteNoise serves those with a year's cache) with two changes:

* the ES modules' ``import ... from "./dom.js"`` are rewritten to the hashed names too
  (Django's ``support_js_module_import_aggregation``), so a module graph is cached as a whole
  and a changed module changes the names of those that import it;
* before collectstatic has run (a fresh clone, or DEBUG) a file missing from the manifest
  keeps its plain name, which WhiteNoise serves from static/ through the finders, instead of
  the page failing with "Missing staticfiles manifest entry".
"""
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFiles(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
    manifest_strict = False

    def stored_name(self, name):
        if not self.hashed_files:   # not collected: the finders serve the plain name
            return name
        return super().stored_name(name)
