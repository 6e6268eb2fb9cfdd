package io.aurora.booking.auth;

import io.aurora.booking.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache of verified tokens: a hit is the verified caller, never a token the full check would refuse. */
class VerifiedTokensTest {

  private static final String SECRET = "a-test-secret-of-at-least-32-bytes-long!";
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @Test
  void aTokenSentAgainIsAnsweredFromTheCacheWithTheSameCaller() {
    Tokens tokens = new Tokens(vertx, SECRET, 3600, 100);
    String token = tokens.issue(42, "ada@example.com", Role.USER);
    Caller first = await(tokens.verify(token));
    assertEquals(1, tokens.cachedTokens(), "a verified token is remembered");
    Caller again = await(tokens.verify(token));
    assertSame(first, again, "the second check is the cache's answer");
    assertEquals(42, again.id());
    assertEquals(Role.USER, again.role());
  }

  @Test
  void aTamperedTokenIsRefusedEvenWhenTheOriginalIsCached() {
    Tokens tokens = new Tokens(vertx, SECRET, 3600, 100);
    String token = tokens.issue(7, "bob@example.com", Role.USER);
    await(tokens.verify(token));
    String[] parts = token.split("\\.");
    // Same signature, claims changed to an admin's: the signature no longer matches.
    String forgedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"USER\"", "\"ADMIN\"").getBytes());
    assertRefused(tokens.verify(parts[0] + "." + forgedClaims + "." + parts[2]));
    // Same claims, one character of the signature changed: its first, whose six bits are all signature (the
    // last character's lowest bits are padding, so changing 'A' to 'B' there decoded to the same signature).
    char first = parts[2].charAt(0);
    assertRefused(tokens.verify(parts[0] + "." + parts[1] + "." + (first == 'A' ? 'B' : 'A') + parts[2].substring(1)));
    assertEquals(1, tokens.cachedTokens(), "refused tokens are not remembered");
  }

  @Test
  void aCachedTokenIsRefusedOnceItHasExpired() {
    Tokens tokens = new Tokens(vertx, SECRET, 3600, 100);
    String token = tokens.issue(9, "eve@example.com", Role.USER, 1);
    await(tokens.verify(token));
    assertEquals(1, tokens.cachedTokens());
    awaitCondition("the token's expiry", Duration.ofSeconds(10), () -> isRefused(tokens.verify(token)));
    assertRefused(tokens.verify(token));
    assertEquals(0, tokens.cachedTokens(), "the expired entry is dropped");
  }

  @Test
  void anEntryEndsAtTheTokensExpiryAndTheLeastRecentlyUsedGoesFirst() {
    VerifiedTokens cache = new VerifiedTokens(2);
    Caller a = new Caller(1, "a@x", Role.USER);
    Caller b = new Caller(2, "b@x", Role.USER);
    Caller c = new Caller(3, "c@x", Role.USER);
    cache.put("ta", a, 1_000);
    cache.put("tb", b, 1_000);
    assertSame(a, cache.get("ta", 999_999));
    assertNull(cache.get("ta", 1_000_000), "at exp the token is no longer valid");
    cache.put("ta", a, 1_000);
    cache.get("ta", 0);
    cache.put("tc", c, 1_000);
    assertEquals(2, cache.size());
    assertNull(cache.get("tb", 0), "tb was the least recently used");
    assertSame(a, cache.get("ta", 0));
    assertSame(c, cache.get("tc", 0));
  }

  private static boolean isRefused(Future<Caller> check) {
    try {
      await(check);
      return false;
    } catch (ApiException e) {
      return true;
    }
  }

  private static void assertRefused(Future<Caller> check) {
    Throwable failure = null;
    try {
      await(check);
    } catch (RuntimeException e) {
      failure = e;
    }
    assertInstanceOf(ApiException.class, failure, "refused as UNAUTHORIZED");
    assertTrue(failure.getMessage().contains("invalid or expired"));
  }
}
