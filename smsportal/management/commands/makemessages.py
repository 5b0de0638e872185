"""makemessages that also finds the JavaScript strings.

The scripts alias the jsi18n functions (``const t = window.gettext``, ``nt = window.ngettext``)
so they keep working without the catalogue; xgettext only knows the standard names, so the
aliases are added as keywords for the djangojs domain.
"""

from django.core.management.commands import makemessages

JS_KEYWORDS = ["--keyword=t", "--keyword=nt:1,2"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        if options["domain"] == "djangojs":
            self.xgettext_options = [*self.xgettext_options, *JS_KEYWORDS]
        return super().handle(*args, **options)
