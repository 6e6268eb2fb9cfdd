package io.aurora.booking.live;

import io.aurora.booking.queue.QueueHead;

/**
 * One tick of the node's {@link StreamTicker} (local message, {@code bus.Addresses#STREAM_HEADS}): the head of
 * each shard with open streams, by shard (null: not read this tick, no stream there or the read failed).
 * {@code startedAtNanos} is when the tick began (before the reads), for measuring what a round costs.
 * The array is made for each message and never changed.
 */
public record QueueHeads(long tick, long startedAtNanos, QueueHead[] byShard) {
}
