"""Pages of the commissions app under /colleges/<college>/ (namespace "commissions")."""

app_name = "commissions"

urlpatterns: list = []
