"""The Redis 7.0 command table an access string is checked against (redis-server 7.0.15).

Generated from a running redis-server 7.0.15 (``COMMAND LIST`` and ``ACL CAT``): Redis
refuses an ACL rule naming a command, subcommand or category it does not know ("Unknown
command or category name in ACL"), and so does ElastiCache, which applies the rules on its
own Redis OSS 7 nodes. Regenerate when the local redis-server moves to a new major version.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CATEGORIES = words(
    """
    keyspace read write set sortedset list hash string bitmap hyperloglog geo stream
    pubsub admin fast slow blocking dangerous connection transaction scripting all
    """
)

COMMANDS = words(
    """
    acl append asking auth bgrewriteaof bgsave bitcount bitfield bitfield_ro bitop
    bitpos blmove blmpop blpop brpop brpoplpush bzmpop bzpopmax bzpopmin client cluster
    command config copy dbsize debug decr decrby del discard dump echo eval eval_ro
    evalsha evalsha_ro exec exists expire expireat expiretime failover fcall fcall_ro
    flushall flushdb function geoadd geodist geohash geopos georadius georadius_ro
    georadiusbymember georadiusbymember_ro geosearch geosearchstore get getbit getdel
    getex getrange getset hdel hello hexists hget hgetall hincrby hincrbyfloat hkeys
    hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals incr incrby incrbyfloat
    info keys lastsave latency lcs lindex linsert llen lmove lmpop lolwut lpop lpos
    lpush lpushx lrange lrem lset ltrim memory mget migrate module monitor move mset
    msetnx multi object persist pexpire pexpireat pexpiretime pfadd pfcount pfdebug
    pfmerge pfselftest ping psetex psubscribe psync pttl publish pubsub punsubscribe
    quit randomkey readonly readwrite rename renamenx replconf replicaof reset restore
    restore-asking role rpop rpoplpush rpush rpushx sadd save scan scard script sdiff
    sdiffstore select set setbit setex setnx setrange shutdown sinter sintercard
    sinterstore sismember slaveof slowlog smembers smismember smove sort sort_ro spop
    spublish srandmember srem sscan ssubscribe strlen subscribe substr sunion
    sunionstore sunsubscribe swapdb sync time touch ttl type unlink unsubscribe unwatch
    wait watch xack xadd xautoclaim xclaim xdel xgroup xinfo xlen xpending xrange xread
    xreadgroup xrevrange xsetid xtrim zadd zcard zcount zdiff zdiffstore zincrby zinter
    zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange
    zrangebylex zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank
    zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore
    zunion zunionstore
    """
)

SUBCOMMANDS: dict[str, frozenset[str]] = {
    "acl": words(
        """
        cat deluser dryrun genpass getuser help list load log save setuser users
        whoami
        """
    ),
    "client": words(
        """
        caching getname getredir help id info kill list no-evict pause reply setname
        tracking trackinginfo unblock unpause
        """
    ),
    "cluster": words(
        """
        addslots addslotsrange bumpepoch count-failure-reports countkeysinslot
        delslots delslotsrange failover flushslots forget getkeysinslot help info
        keyslot links meet myid nodes replicas replicate reset saveconfig set-
        config-epoch setslot shards slaves slots
        """
    ),
    "command": words(
        """
        count docs getkeys getkeysandflags help info list
        """
    ),
    "config": words(
        """
        get help resetstat rewrite set
        """
    ),
    "function": words(
        """
        delete dump flush help kill list load restore stats
        """
    ),
    "latency": words(
        """
        doctor graph help histogram history latest reset
        """
    ),
    "memory": words(
        """
        doctor help malloc-stats purge stats usage
        """
    ),
    "module": words(
        """
        help list load loadex unload
        """
    ),
    "object": words(
        """
        encoding freq help idletime refcount
        """
    ),
    "pubsub": words(
        """
        channels help numpat numsub shardchannels shardnumsub
        """
    ),
    "script": words(
        """
        debug exists flush help kill load
        """
    ),
    "slowlog": words(
        """
        get help len reset
        """
    ),
    "xgroup": words(
        """
        create createconsumer delconsumer destroy help setid
        """
    ),
    "xinfo": words(
        """
        consumers groups help stream
        """
    ),
}
