from django.core.management.base import BaseCommand

from smsportal import demo


class Command(BaseCommand):
    help = "Create the admin user, the demo Meta Data list and a profile for the SMPP sandbox."

    def handle(self, *args, **options):
        username, password = demo.seed()
        self.stdout.write(f"Admin user: {username}  password: {password}")
        self.stdout.write(f"Demo recipient file for a bulk job: {demo.DEMO_RECIPIENTS}")
