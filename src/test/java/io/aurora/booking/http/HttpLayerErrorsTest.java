package io.aurora.booking.http;

import io.aurora.booking.testing.OneAppPerClass;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests the HTTP codec cannot parse never reach the router; they still get the JSON error of every other
 * answer, with the right status, and their connection is closed. Sent as raw bytes on a socket, since no
 * well-behaved client can send them.
 */
@ExtendWith(VertxExtension.class)
class HttpLayerErrorsTest extends OneAppPerClass {



  @Test
  void aRequestLineTooLongIs414WithAJsonBody() throws IOException {
    Answer answer = exchange("GET /api/events?q=" + "x".repeat(5_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    answer.assertJsonError(414, "URI_TOO_LONG");
  }

  @Test
  void headersTooLargeAre431WithAJsonBody() throws IOException {
    Answer answer = exchange("GET /api/events HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + "x".repeat(9_000) + "\r\n\r\n");
    answer.assertJsonError(431, "HEADERS_TOO_LARGE");
  }

  @Test
  void aRequestLineThatIsNotHttpIs400WithAJsonBody() throws IOException {
    Answer answer = exchange("GET /api/events HTTP/9.x\r\nHost: localhost\r\n\r\n");
    answer.assertJsonError(400, "MALFORMED_REQUEST");
  }

  @Test
  void aBadHeaderLineIs400WithAJsonBody() throws IOException {
    Answer answer = exchange("POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Length: many\r\n\r\n{}");
    answer.assertJsonError(400, "MALFORMED_REQUEST");
  }

  @Test
  void theServerStillAnswersWellFormedRequestsAfterwards() throws IOException {
    exchange("GET /api/events HTTP/9.x\r\n\r\n").assertJsonError(400, "MALFORMED_REQUEST");
    Answer fine = exchange("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertEquals(200, fine.status(), fine.raw());
  }

  /** The whole answer, read until the server closes the connection (it must close it, or the read times out). */
  private static Answer exchange(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", app.config.httpPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          all.write(buffer, 0, n);
        }
      } catch (java.net.SocketException reset) {
        // The server may close while the rest of an oversized request is still unread (a reset): what came is kept.
      }
      return new Answer(all.toString(StandardCharsets.ISO_8859_1));
    }
  }

  private record Answer(String raw) {
    int status() {
      // HTTP/1.0 when the request line could not be read (its version is unknown), HTTP/1.1 otherwise.
      assertTrue(raw.startsWith("HTTP/1.1 ") || raw.startsWith("HTTP/1.0 "), raw);
      return Integer.parseInt(raw.substring(9, 12));
    }

    String header(String name) {
      for (String line : raw.substring(0, raw.indexOf("\r\n\r\n")).split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    void assertJsonError(int status, String code) {
      assertEquals(status, status(), raw);
      assertEquals("application/json", header("Content-Type"), raw);
      JsonObject body = new JsonObject(raw.substring(raw.indexOf("\r\n\r\n") + 4));
      assertEquals(code, body.getString("error"), raw);
      assertTrue(!body.getString("message", "").isBlank(), raw);
    }
  }
}
