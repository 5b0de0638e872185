"""The Celery broker: kombu's Redis transport with the fix that lets a worker outlive a Redis
restart.

When the connection to Redis is lost while a task is unacknowledged (acks_late: any task in
progress), Celery closes the connection and kombu's Redis Channel.close() runs in this order:
drop the channel's connection pools, then restore the unacknowledged messages. Restoring needs
a client, so the channel builds a new pool from the transport's connection details — which the
closing connection has already cleared (`transport.client = None`), and the worker stops with
"'NoneType' object has no attribute 'hostname'". Restoring first, while the pool still exists,
avoids it; when Redis is down the restore fails harmlessly (the messages stay in Redis's unacked
set and the visibility timeout brings them back), and kombu's own restore is then a no-op because
it runs once per channel. Unix-socket URLs meet it every time a task is in progress: the socket
refuses at once, so the close runs while the task still holds its message.

Used through the "smsportal-redis" alias in CELERY_BROKER_URL (see broker_url()).
"""

from __future__ import annotations

import logging

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis

log = logging.getLogger(__name__)

ALIAS = "smsportal-redis"


class Channel(kombu_redis.Channel):
    def close(self):
        qos = getattr(self, "_qos", None)
        if not self.closed and qos is not None:
            try:
                qos.restore_unacked_once()
            except Exception as exc:  # Redis is gone: nothing to restore to now
                log.warning("unacknowledged messages not restored on close: %s", exc)
                # They stay in Redis's unacked set, whence the visibility timeout restores them;
                # forget them here so kombu's own restore-once does not trip over them.
                qos._delivered.clear()
        super().close()

    def _gone(self) -> bool:
        return self.closed or self.connection is None or self.connection.client is None

    def basic_ack(self, delivery_tag, multiple=False):
        # A task that outlived the connection acknowledges on the closed channel, which would
        # rebuild a pool from the cleared connection and stop the worker the same way. The
        # message is still in Redis's unacked set; a redelivery is claimed once (services).
        if self._gone():
            log.info("ack after the broker connection was lost: skipped")
            return
        super().basic_ack(delivery_tag, multiple=multiple)

    def basic_reject(self, delivery_tag, requeue=False):
        if self._gone():
            log.info("reject after the broker connection was lost: skipped")
            return
        super().basic_reject(delivery_tag, requeue=requeue)


class Transport(kombu_redis.Transport):
    Channel = Channel


TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")


def broker_url(redis_url: str) -> str:
    """The Celery broker URL for a Redis URL: redis:// and redis+socket:// use our transport."""
    scheme, sep, rest = redis_url.partition("://")
    if sep and scheme in ("redis", "redis+socket"):
        return ALIAS + scheme[len("redis") :] + "://" + rest
    return redis_url
