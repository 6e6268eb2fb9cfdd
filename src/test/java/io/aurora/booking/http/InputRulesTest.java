package io.aurora.booking.http;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The field rules of {@link Input}, applied to JSON bodies directly: no server, no router. */
class InputRulesTest {

  private static JsonObject body(String json) {
    return new JsonObject(json);
  }

  /** The rule refuses with a 400 VALIDATION_FAILED that names the field. */
  private static void refused(String field, Executable rule) {
    ApiException e = assertThrows(ApiException.class, rule);
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    assertEquals(400, e.code().status());
    assertTrue(e.getMessage().contains("'" + field + "'"), e.getMessage());
  }

  @Test
  void stringsAreTrimmedAndCheckedForLengthAfterTrimming() {
    assertEquals("Arena", Input.string(body("{\"venue\":\"  Arena \"}"), "venue", 1, 10, true));
    assertEquals("abc", Input.string(body("{\"v\":\"abc\"}"), "v", 3, 3, true), "both bounds are inclusive");
    refused("v", () -> Input.string(body("{\"v\":\"   \"}"), "v", 1, 10, true));
    refused("v", () -> Input.string(body("{\"v\":\"abcd\"}"), "v", 1, 3, true));
  }

  @Test
  void aMissingOptionalFieldIsNullAndAMissingRequiredOneIsRefused() {
    assertNull(Input.string(body("{}"), "v", 1, 10, false));
    assertNull(Input.string(body("{\"v\":null}"), "v", 1, 10, false));
    assertNull(Input.integer(body("{}"), "n", 1, 10, false));
    assertNull(Input.instant(body("{}"), "at", false));
    refused("v", () -> Input.string(body("{}"), "v", 1, 10, true));
    refused("n", () -> Input.integer(body("{\"n\":null}"), "n", 1, 10, true));
  }

  @Test
  void aStringFieldRefusesOtherTypesAndNulCharacters() {
    refused("v", () -> Input.string(body("{\"v\":5}"), "v", 1, 10, true));
    refused("v", () -> Input.string(body("{\"v\":[\"a\"]}"), "v", 1, 10, true));
    refused("v", () -> Input.string(new JsonObject().put("v", "a\0b"), "v", 1, 10, true));
  }

  @Test
  void emailsAreLowerCasedAndNeedOneAtAndADottedDomain() {
    assertEquals("ann@example.com", Input.email(body("{\"email\":\" Ann@Example.COM \"}"), "email"));
    for (String bad : new String[] {"ann", "ann@", "@example.com", "ann@example", "a b@example.com", "a@b@example.com"}) {
      refused("email", () -> Input.email(new JsonObject().put("email", bad), "email"));
    }
    refused("email", () -> Input.email(new JsonObject().put("email", "a".repeat(65) + "@example.com"), "email"));
  }

  @Test
  void integersAreWholeNumbersWithinInclusiveBounds() {
    assertEquals(1, Input.integer(body("{\"n\":1}"), "n", 1, 10, true));
    assertEquals(10, Input.integer(body("{\"n\":10}"), "n", 1, 10, true));
    assertEquals(4, Input.integer(body("{\"n\":4.0}"), "n", 1, 10, true), "4.0 is a whole number");
    refused("n", () -> Input.integer(body("{\"n\":0}"), "n", 1, 10, true));
    refused("n", () -> Input.integer(body("{\"n\":11}"), "n", 1, 10, true));
    refused("n", () -> Input.integer(body("{\"n\":2.5}"), "n", 1, 10, true));
    refused("n", () -> Input.integer(body("{\"n\":\"3\"}"), "n", 1, 10, true));
    refused("n", () -> Input.integer(body("{\"n\":true}"), "n", 1, 10, true));
    refused("n", () -> Input.integer(body("{\"n\":1e300}"), "n", 1, Integer.MAX_VALUE, true));
  }

  @Test
  void instantsNeedAnOffsetAndAFourDigitYear() {
    assertEquals(Instant.parse("2027-05-01T17:30:00Z"), Input.instant(body("{\"at\":\"2027-05-01T19:30:00+02:00\"}"), "at", true));
    assertEquals(Instant.parse("9999-12-31T23:59:59Z"), Input.instant(body("{\"at\":\"9999-12-31T23:59:59Z\"}"), "at", true));
    refused("at", () -> Input.instant(body("{\"at\":\"2027-05-01T19:30:00\"}"), "at", true));
    refused("at", () -> Input.instant(body("{\"at\":\"2027-05-01\"}"), "at", true));
    refused("at", () -> Input.instant(body("{\"at\":\"tomorrow\"}"), "at", true));
    refused("at", () -> Input.instant(body("{\"at\":\"+10000-01-01T00:00:00Z\"}"), "at", true));
    refused("at", () -> Input.instant(body("{\"at\":\"-0001-01-01T00:00:00Z\"}"), "at", true));
  }
}
