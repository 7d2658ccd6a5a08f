"""Pages of the appeals app under /colleges/<college>/ (namespace "appeals")."""

app_name = "appeals"

urlpatterns: list = []
