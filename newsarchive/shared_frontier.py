"""The crawl frontier shared by several crawl workers through Redis (`newsarchive crawl --redis URL`).

Per site, in Redis (every key under a prefix, ``newsarchive`` unless REDIS_PREFIX says otherwise):

- ``queue:<site>``, a list of article addresses waiting to be fetched;
- ``flight:<site>``, a hash of the addresses a worker has taken and not settled yet, and which worker took
  each: an address leaves it only once the worker's archive has committed its page (or it failed for good);
- ``lease:<site>``, the worker allowed to fetch the site's pages (``SET NX`` with an expiry, renewed every
  second while it holds it): one worker a site, so the site's politeness holds however many workers run;
- ``stored:<site>``, every address some worker's archive holds: what no later crawl asks for again;
- ``queued:<site>`` and ``failed:<site>``, what this round of the site queued and what failed for good in it;
- ``site:<site>``, the round: when it began, whether its discovery (robots.txt, sitemaps, feeds: never
  remembered, read again every round) is done, and when it finished.

A worker taking a lease puts every address still in flight back at the head of the queue: with the lease
free, whoever took them is gone (killed, or its lease ran out) and never stored them. Nothing is lost, and
what was stored is never asked for again. Every step that must not be split is one Lua script, run by Redis
as one command; times are Redis's clock, so the workers' clocks need not agree.

No Scrapy here, and nothing of the archive: the crawl glue (newsarchive.shared_crawl) calls these.
"""

from __future__ import annotations

import math
import os
import socket
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PREFIX = "newsarchive"
#: how long a lease lasts unless renewed; workers renew every second, so only a worker that is gone (killed,
#: cut off from Redis, frozen) loses one
DEFAULT_LEASE_S = 30.0
#: what acquire() says of a site
TAKEN, BUSY, COVERED = "taken", "busy", "covered"

_ACQUIRE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'busy', ''} end
local flight = redis.call('HKEYS', KEYS[3])
for _, url in ipairs(flight) do redis.call('LPUSH', KEYS[4], url) end
if #flight > 0 then redis.call('DEL', KEYS[3]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local finished = redis.call('HGET', KEYS[2], 'finished')
if finished and finished ~= '' and tonumber(finished) >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return {'covered', ''}
end
if (not finished) or finished ~= '' then
  redis.call('DEL', KEYS[5], KEYS[6])
  redis.call('HSET', KEYS[2], 'round', ARGV[4], 'started', tostring(now), 'discovered', '', 'finished', '')
end
return {'taken', redis.call('HGET', KEYS[2], 'discovered')}
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_RELEASE = """
local back = 0
local flight = redis.call('HGETALL', KEYS[2])
for i = 1, #flight, 2 do
  if flight[i + 1] == ARGV[1] then
    redis.call('LPUSH', KEYS[3], flight[i])
    redis.call('HDEL', KEYS[2], flight[i])
    back = back + 1
  end
end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return back
"""

_PUSH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0, 0} end
local limit = tonumber(ARGV[2])
local pushed, known, over = 0, 0, 0
for i = 3, #ARGV do
  local url = ARGV[i]
  if redis.call('SISMEMBER', KEYS[2], url) == 1 then known = known + 1
  elseif redis.call('SISMEMBER', KEYS[3], url) == 1 then
  elseif limit > 0 and redis.call('SCARD', KEYS[3]) >= limit then over = over + 1
  else
    redis.call('SADD', KEYS[3], url)
    redis.call('RPUSH', KEYS[4], url)
    pushed = pushed + 1
  end
end
return {pushed, known, over}
"""

_TAKE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local taken = {}
for i = 1, tonumber(ARGV[2]) do
  local url = redis.call('LPOP', KEYS[2])
  if not url then break end
  redis.call('HSET', KEYS[3], url, ARGV[1])
  taken[#taken + 1] = url
end
return taken
"""

_SETTLE = """
for i = 3, #ARGV do
  local url = ARGV[i]
  if redis.call('HGET', KEYS[1], url) == ARGV[1] then redis.call('HDEL', KEYS[1], url) end
  if ARGV[2] == '' then redis.call('SADD', KEYS[2], url) else redis.call('HSET', KEYS[3], url, ARGV[2]) end
end
return #ARGV - 2
"""

_DISCOVERED = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'discovered', '1')
return 1
"""

_FINISH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[2], 'discovered') ~= '1' then return 0 end
if redis.call('LLEN', KEYS[3]) > 0 or redis.call('HLEN', KEYS[4]) > 0 then return 0 end
local t = redis.call('TIME')
redis.call('HSET', KEYS[2], 'finished', tostring(tonumber(t[1]) + tonumber(t[2]) / 1e6))
return 1
"""


class SharedFrontierError(RuntimeError):
    """Redis cannot be used (not installed, unreachable, refusing): the message says which, and where."""


class LeaseLost(SharedFrontierError):
    """This worker no longer holds a site's lease (it ran out while the worker was cut off or frozen, and
    another worker may hold it now): the worker must stop fetching the site."""


@dataclass(frozen=True)
class Pushed:
    """What became of addresses offered to a site's queue."""

    pushed: int
    #: already stored by some worker
    known: int
    #: past the round's --limit
    over: int


@dataclass(frozen=True)
class SiteStatus:
    site: str
    queued: int
    in_flight: int
    stored: int
    failed: int
    leased_by: str | None
    lease_left_s: float | None
    discovered: bool
    #: Redis time the site's current round began and finished (None: not yet)
    started: float | None
    finished: float | None


@dataclass(frozen=True)
class WorkerStatus:
    worker: str
    host: str
    pid: str
    archive: str
    started: float
    seen_s_ago: float


def shown_url(url: str) -> str:
    """A Redis address as it may be shown: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SharedFrontier:
    """One worker's handle on the shared frontier at ``url`` (``redis://HOST:PORT[/DB]``)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        lease_s: float = DEFAULT_LEASE_S,
        worker: str | None = None,
    ) -> None:
        try:
            import redis
        except ImportError:
            raise SharedFrontierError(
                "--redis needs the redis package: pip install 'newsarchive[redis]'"
            ) from None
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.url = url
        self.prefix = prefix
        self.lease_ms = max(1, math.ceil(lease_s * 1000))
        self.worker = worker or new_worker_id()
        #: Redis time this worker joined (register): a site finished since then was crawled in its run
        self.started = 0.0
        try:
            self.redis = redis.Redis.from_url(
                url, socket_connect_timeout=5, socket_timeout=10, decode_responses=True
            )
        except ValueError as error:
            raise SharedFrontierError(f"--redis {shown_url(url)}: not a Redis address ({error})") from None
        self._scripts = {
            name: self.redis.register_script(code)
            for name, code in (
                ("acquire", _ACQUIRE),
                ("renew", _RENEW),
                ("release", _RELEASE),
                ("push", _PUSH),
                ("take", _TAKE),
                ("settle", _SETTLE),
                ("discovered", _DISCOVERED),
                ("finish", _FINISH),
            )
        }

    def _key(self, kind: str, site: str = "") -> str:
        return f"{self.prefix}:{kind}:{site}" if site else f"{self.prefix}:{kind}"

    @contextmanager
    def _talking(self) -> Iterator[None]:
        """Any Redis or network failure as one SharedFrontierError that says where."""
        try:
            yield
        except self._errors as error:
            raise SharedFrontierError(f"Redis at {shown_url(self.url)}: {error}") from None

    def _run(self, script: str, *args: Any, keys: Sequence[str]) -> Any:
        with self._talking():
            return self._scripts[script](keys=list(keys), args=list(args))

    def _ask(self, command: str, *args: Any) -> Any:
        """One Redis command by the client method's name."""
        with self._talking():
            return getattr(self.redis, command)(*args)

    def now(self) -> float:
        seconds, micro = self._ask("time")
        return seconds + micro / 1e6

    # -- workers -------------------------------------------------------------------------------------------

    def register(self, archive: str) -> None:
        """Join the crawl: from now on a site whose round finishes counts as crawled in this worker's run."""
        self.started = self.now()
        info = {"host": socket.gethostname(), "pid": str(os.getpid()), "archive": archive}
        info["started"] = str(self.started)
        self._ask("hset", self._key("worker", self.worker), None, None, info)
        self.heartbeat()

    def heartbeat(self) -> None:
        """Say this worker is alive (the record of a silent one expires with its leases)."""
        now = self.now()
        with self._talking(), self.redis.pipeline() as pipe:
            pipe.pexpire(self._key("worker", self.worker), self.lease_ms)
            pipe.zadd(self._key("workers"), {self.worker: now})
            pipe.execute()

    def live_workers(self) -> list[str]:
        """The workers whose heartbeat is younger than a lease (the older ones are forgotten)."""
        oldest = self.now() - self.lease_ms / 1000
        self._ask("zremrangebyscore", self._key("workers"), "-inf", oldest)
        return list(self._ask("zrange", self._key("workers"), 0, -1))

    def leave(self) -> None:
        """Leave the crawl: the record of this worker goes (its leases were released first)."""
        self._ask("zrem", self._key("workers"), self.worker)
        self._ask("delete", self._key("worker", self.worker))

    # -- leases --------------------------------------------------------------------------------------------

    def acquire(self, site: str) -> tuple[str, bool]:
        """Try to take the site's lease: (TAKEN, whether its discovery is still to do), (BUSY, False) when
        another worker holds it, (COVERED, False) when its round finished since this worker joined. Taking
        it puts back what a gone worker left in flight, and begins a new round after a finished one."""
        self._ask("sadd", self._key("sites"), site)
        keys = [self._key(kind, site) for kind in ("lease", "site", "flight", "queue", "queued", "failed")]
        state, discovered = self._run(
            "acquire", self.worker, self.lease_ms, self.started, uuid.uuid4().hex[:12], keys=keys
        )
        return state, state == TAKEN and discovered != "1"

    def renew(self, site: str) -> bool:
        """Extend the lease; False when this worker no longer holds it."""
        return bool(self._run("renew", self.worker, self.lease_ms, keys=[self._key("lease", site)]))

    def release(self, site: str) -> int:
        """Let the site go: the addresses this worker took and did not settle go back to the head of the
        queue, and the lease is freed (if it is still ours). Returns how many went back."""
        keys = [self._key("lease", site), self._key("flight", site), self._key("queue", site)]
        return int(self._run("release", self.worker, keys=keys))

    # -- addresses -----------------------------------------------------------------------------------------

    def push(self, site: str, urls: Iterable[str], limit: int | None = None) -> Pushed:
        """Queue article addresses found by discovery: not those some worker stored, nor those this round
        queued already; past ``limit`` addresses a round, none. LeaseLost when the lease is not ours."""
        urls = list(dict.fromkeys(urls))
        if not urls:
            return Pushed(0, 0, 0)
        keys = [self._key(kind, site) for kind in ("lease", "stored", "queued", "queue")]
        pushed, known, over = self._run("push", self.worker, limit or 0, *urls, keys=keys)
        if pushed < 0:
            raise LeaseLost(f"{site}: the lease was lost")
        return Pushed(pushed, known, over)

    def take(self, site: str, most: int) -> list[str]:
        """Take up to ``most`` addresses from the head of the queue into flight, under this worker's name."""
        keys = [self._key("lease", site), self._key("queue", site), self._key("flight", site)]
        taken = self._run("take", self.worker, most, keys=keys)
        if taken is None:
            raise LeaseLost(f"{site}: the lease was lost")
        return list(taken)

    def stored(self, site: str, urls: Iterable[str]) -> None:
        """Addresses whose pages this worker's archive has committed: out of flight, never asked for again."""
        self._settle(site, urls, "")

    def failed(self, site: str, urls: Iterable[str], reason: str) -> None:
        """Addresses that failed for good this round: out of flight (the next round asks for them again if
        discovery still lists them)."""
        self._settle(site, urls, reason or "failed")

    def _settle(self, site: str, urls: Iterable[str], reason: str) -> None:
        urls = list(urls)
        if urls:
            keys = [self._key(kind, site) for kind in ("flight", "stored", "failed")]
            self._run("settle", self.worker, reason, *urls, keys=keys)

    def is_stored(self, site: str, url: str) -> bool:
        return bool(self._ask("sismember", self._key("stored", site), url))

    def discovered(self, site: str) -> None:
        """This round's discovery of the site (robots.txt, sitemaps, feeds) is done and queued."""
        self._run("discovered", self.worker, keys=[self._key("lease", site), self._key("site", site)])

    def finish(self, site: str) -> bool:
        """End the site's round if it is over (discovered, nothing queued, nothing in flight); whether it
        was. Only the lease holder can."""
        keys = [self._key(kind, site) for kind in ("lease", "site", "queue", "flight")]
        return bool(self._run("finish", self.worker, keys=keys))

    def finished_since_joined(self, site: str) -> bool:
        """Whether the site's round finished since this worker joined: it was crawled in this run."""
        finished = self._ask("hget", self._key("site", site), "finished")
        return bool(finished) and float(finished) >= self.started

    # -- what is going on ----------------------------------------------------------------------------------

    def leases(self, sites: Sequence[str]) -> dict[str, str | None]:
        """Who holds each site's lease (None: nobody)."""
        if not sites:
            return {}
        holders = self._ask("mget", [self._key("lease", site) for site in sites])
        return dict(zip(sites, holders, strict=True))

    def sites(self) -> list[str]:
        """Every site a worker has taken a lease of, on this Redis under this prefix."""
        return sorted(self._ask("smembers", self._key("sites")))

    def site_status(self, sites: Sequence[str]) -> list[SiteStatus]:
        with self._talking(), self.redis.pipeline(transaction=False) as pipe:
            for site in sites:
                pipe.llen(self._key("queue", site))
                pipe.hlen(self._key("flight", site))
                pipe.scard(self._key("stored", site))
                pipe.hlen(self._key("failed", site))
                pipe.get(self._key("lease", site))
                pipe.pttl(self._key("lease", site))
                pipe.hgetall(self._key("site", site))
            answers = pipe.execute()
        return [_site_status(site, answers[7 * n : 7 * n + 7]) for n, site in enumerate(sites)]

    def worker_status(self) -> list[WorkerStatus]:
        now = self.now()
        found = []
        for worker, seen in self._ask("zrange", self._key("workers"), 0, -1, False, True):
            info = self._ask("hgetall", self._key("worker", worker))
            if not info:  # its record expired: gone
                continue
            found.append(
                WorkerStatus(
                    worker=worker,
                    host=info.get("host", "?"),
                    pid=info.get("pid", "?"),
                    archive=info.get("archive", "?"),
                    started=float(info.get("started") or 0),
                    seen_s_ago=round(max(0.0, now - float(seen)), 1),
                )
            )
        return found


def _site_status(site: str, answer: list[Any]) -> SiteStatus:
    queued, in_flight, stored, failed, holder, ttl_ms, state = answer
    return SiteStatus(
        site=site,
        queued=queued,
        in_flight=in_flight,
        stored=stored,
        failed=failed,
        leased_by=holder,
        lease_left_s=round(ttl_ms / 1000, 1) if holder and ttl_ms > 0 else None,
        discovered=state.get("discovered") == "1",
        started=float(state["started"]) if state.get("started") else None,
        finished=float(state["finished"]) if state.get("finished") else None,
    )
