package io.aurora.booking.notifications;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of webhooks: Standard Webhooks signing, the SSRF guard's address ranges, the URL rules. */
class WebhookSignatureTest {

  @Test
  void theSignatureIsBase64HmacSha256OfIdTimestampAndBodyKeyedWithTheDecodedSecret() throws Exception {
    byte[] key = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
    String body = "{\"type\":\"booking.confirmed\",\"data\":{\"jobId\":\"1-ab\"}}";
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    String expected = "v1," + Base64.getEncoder().encodeToString(
        mac.doFinal(("msg_7.1700000000." + body).getBytes(StandardCharsets.UTF_8)));
    assertEquals(expected, WebhookSignature.sign(secret, "msg_7", 1_700_000_000L, body));
    assertNotEquals(expected, WebhookSignature.sign(secret, "msg_7", 1_700_000_001L, body));
    assertNotEquals(expected, WebhookSignature.sign(secret, "msg_8", 1_700_000_000L, body));
  }

  /** The example of docs/notifications.md, so a receiver can check its verifier against it. */
  @Test
  void theDocumentedExampleSignsAsDocumented() {
    String body = "{\"type\":\"booking.confirmed\",\"timestamp\":\"2026-12-07T13:59:05.123Z\",\"data\":{\"jobId\":\"3-9f2c\","
        + "\"bookingId\":17,\"eventId\":5,\"userId\":12,\"seats\":1}}";
    assertEquals("v1,a4bZl1qtw4p8Z60+8nZmxrjLIYQBhmaYBEAis9SSK8A=",
        WebhookSignature.sign("whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "msg_42", 1_765_112_345L, body));
  }

  @Test
  void newSecretsAreWhsecAnd32RandomBytes() {
    String secret = WebhookSignature.newSecret();
    assertTrue(secret.startsWith("whsec_"));
    assertEquals(32, Base64.getDecoder().decode(secret.substring(6)).length);
    assertNotEquals(secret, WebhookSignature.newSecret());
  }

  @Test
  void onlyPublicAddressesPass() throws Exception {
    for (String address : List.of("127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255", "198.18.0.1",
        "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "ff02::1")) {
      assertFalse(WebhookTargets.isPublic(InetAddress.getByName(address)), address);
    }
    for (String address : List.of("93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "64:ff9b::808:808")) {
      assertTrue(WebhookTargets.isPublic(InetAddress.getByName(address)), address);
    }
  }

  @Test
  void urlsMustBeHttpWithAHostAndNoCredentials() {
    assertEquals("hooks.example.com", WebhookTargets.parse("https://hooks.example.com/in?x=1").getHost());
    for (String url : List.of("ftp://example.com/", "https:///nohost", "https://u:p@example.com/", "https://example.com/#f",
        "no url at all", "javascript:alert(1)")) {
      assertThrows(WebhookTargets.RefusedTarget.class, () -> WebhookTargets.parse(url), url);
    }
  }

  @Test
  void smtpUrlsBecomeMailSettings() {
    var plain = Mailer.mailConfig("smtp://mail.example.com:2525");
    assertEquals("mail.example.com", plain.getHostname());
    assertEquals(2525, plain.getPort());
    assertFalse(plain.isSsl());
    var tls = Mailer.mailConfig("smtps://bob:s%40cret@mail.example.com");
    assertTrue(tls.isSsl());
    assertEquals(465, tls.getPort());
    assertEquals("bob", tls.getUsername());
    assertEquals("s@cret", tls.getPassword());
    assertThrows(IllegalArgumentException.class, () -> Mailer.mailConfig("http://mail.example.com"));
  }
}
