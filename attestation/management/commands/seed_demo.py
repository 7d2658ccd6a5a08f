from django.core.management.base import BaseCommand

from attestation.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo colleges (once) and print the demo logins."

    def handle(self, *args, **options):
        for login in demo_seed():
            self.stdout.write(f"  {login.role:<17} {login.username:<10} {login.password}   {login.where}")
