using CsCheck;
using Genlook.Gateway.Storage;

namespace Genlook.Gateway.Tests.Storage;

/// <summary>How a Redis Cluster round is split into script calls (slots given, so no cluster is needed).</summary>
public sealed class RedisScriptBatcherTests
{
    [Fact]
    public void GroupBySlot_ItemsOfSeveralSlots_OneCallPerSlotEachInArrivalOrder()
    {
        (string Name, int Slot)[] round = [("a", 7), ("b", 3), ("c", 7), ("d", 12000), ("e", 3), ("f", 7)];

        var calls = RedisScriptBatcher.GroupBySlot(round, item => item.Slot);

        Assert.Equal([["a", "c", "f"], ["b", "e"], ["d"]], calls.Select(call => call.Select(item => item.Name).ToArray()).ToArray());
    }

    [Fact]
    public void GroupBySlot_ItemsOfOneSlot_OneCallWithEveryItem()
    {
        int[] round = [3, 1, 2];

        var calls = RedisScriptBatcher.GroupBySlot(round, _ => 42);

        Assert.Equal(round, Assert.Single(calls));
    }

    [Fact]
    public void GroupBySlot_AnyRound_SplitsItIntoOneSingleSlotCallPerSlotLosingNothing()
    {
        // Items are (arrival index, slot); few distinct slots, so calls hold several items.
        Gen.Int[0, 20].Array[1, RedisScriptBatcher<int, int>.MaxBatch].Sample(slots =>
        {
            var round = slots.Select((slot, index) => (Index: index, Slot: slot)).ToArray();

            var calls = RedisScriptBatcher.GroupBySlot(round, item => item.Slot);

            Assert.Equal(slots.Distinct().Count(), calls.Count);
            Assert.All(calls, call => Assert.Single(call.Select(item => item.Slot).Distinct()));
            Assert.All(calls, call => Assert.Equal(call.OrderBy(item => item.Index), call));
            Assert.Equal(round, calls.SelectMany(call => call).OrderBy(item => item.Index));
        });
    }
}
