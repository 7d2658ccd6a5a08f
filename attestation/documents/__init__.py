"""Generated official documents: kinds, the pipeline and rendering."""
