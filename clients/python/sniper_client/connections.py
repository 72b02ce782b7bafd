"""redis-py clients for the configured topology, every call bounded by the decision timeout."""

import redis

from .settings import RedisSettings


def redis_client(s: RedisSettings):
    """Standalone, Sentinel (follows the master) or Cluster. Connects lazily, except Cluster, which reads the
    slot map at construction (the guard builds it again on the heartbeat while Redis is away)."""
    timeout = s.decision_timeout_ms / 1000.0
    common = dict(username=s.username, password=s.password, socket_timeout=timeout,
                  socket_connect_timeout=min(timeout, s.timeout_s), client_name="sniper-py")
    if s.tls_enabled:
        common.update(ssl=True, ssl_ca_certs=s.tls_ca_file, ssl_cert_reqs="required" if s.tls_verify_peer else "none",
                      ssl_check_hostname=s.tls_verify_peer)
    if s.cluster_nodes:
        from redis.cluster import ClusterNode, RedisCluster
        return RedisCluster(startup_nodes=[ClusterNode(n.host, n.port) for n in s.cluster_nodes], **common)
    if s.sentinel_master:
        from redis.sentinel import Sentinel
        sentinel_kwargs = dict(socket_timeout=timeout, socket_connect_timeout=min(timeout, s.timeout_s),
                               password=s.sentinel_password)
        if s.tls_enabled:
            sentinel_kwargs.update({k: v for k, v in common.items() if k.startswith("ssl")})
        sentinel = Sentinel([(n.host, n.port) for n in s.sentinel_nodes], sentinel_kwargs=sentinel_kwargs, **common)
        return sentinel.master_for(s.sentinel_master, db=s.db)
    return redis.Redis(host=s.host, port=s.port, db=s.db, **common)
