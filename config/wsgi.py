import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Embedded mode (no broker): this serving process runs the beat schedule itself.
from recordings_api.scheduler import embedded_scheduler_ensure_started  # noqa: E402

embedded_scheduler_ensure_started()

from config.serving import serving_heap_freeze  # noqa: E402

serving_heap_freeze()
