"""The project's URLconf without the engine's control views: the job page must then show no
buttons rather than fail."""

from smsportal import urls as project_urls

urlpatterns = [
    pattern for pattern in project_urls.urlpatterns if "bulkjob" not in str(pattern.pattern)
]
