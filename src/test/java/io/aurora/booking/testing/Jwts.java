package io.aurora.booking.testing;

import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Hand-made JWTs, for the tokens an attacker would send: forged, expired, unsigned. */
public final class Jwts {

  private Jwts() {
  }

  public static String hs256(JsonObject claims, String secret) {
    String unsigned = part(new JsonObject().put("alg", "HS256").put("typ", "JWT")) + "." + part(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return unsigned + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(unsigned.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static String unsigned(JsonObject claims) {
    return part(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + part(claims) + ".";
  }

  private static String part(JsonObject json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
