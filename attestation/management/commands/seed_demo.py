from django.core.management.base import BaseCommand

from attestation.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo colleges (once) and print the demo logins."

    def handle(self, *args, **options):
        logins = demo_seed()
        width = max(len(login.username) for login in logins)  # «representative» is the longest so far
        for login in logins:
            self.stdout.write(f"  {login.role:<17} {login.username:<{width}} {login.password}   {login.where}")
