namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>Tests that share one redis-server (each test uses its own keys or flushes first).</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
