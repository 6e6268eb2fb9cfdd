package io.aurora.booking.auth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokens already verified, so that a token sent again (every status poll re-sends it) costs a map look-up
 * instead of an HMAC, a Base64 decoding and two JSON parses. Bounded (least recently used goes first) and
 * keyed by the whole token: a token changed in any byte, its signature included, is another key and is
 * verified in full. An entry never outlives the token's {@code exp}: past it, the token is verified again,
 * which refuses it.
 */
final class VerifiedTokens {

  private record Entry(Caller caller, long expiresAtMillis) {
  }

  private final LinkedHashMap<String, Entry> entries;

  VerifiedTokens(int capacity) {
    this.entries = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The caller of a token verified before and not expired at {@code nowMillis}; null otherwise. */
  synchronized Caller get(String token, long nowMillis) {
    Entry entry = entries.get(token);
    if (entry == null) {
      return null;
    }
    if (nowMillis >= entry.expiresAtMillis) {
      entries.remove(token);
      return null;
    }
    return entry.caller;
  }

  /** Remembers a verified token until its expiry ({@code exp}, seconds since the epoch). */
  synchronized void put(String token, Caller caller, long expSeconds) {
    entries.put(token, new Entry(caller, expSeconds * 1000));
  }

  synchronized int size() {
    return entries.size();
  }
}
