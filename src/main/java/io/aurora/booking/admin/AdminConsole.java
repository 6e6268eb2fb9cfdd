package io.aurora.booking.admin;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CSPHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.XFrameHandler;

/**
 * The operators' web console: static HTML, JS and CSS from {@code webroot/admin} on the classpath, served
 * at {@code /admin/}. It holds no data and no secrets of its own; everything it shows or does goes through
 * the public admin API with the token its user logs in with, so it needs no route of its own beyond this.
 */
public final class AdminConsole {

  static final String PATH = "/admin";
  private static final String WEBROOT = "webroot/admin";

  public void mount(Router router) {
    // The page's relative links (app.js, console.css) only resolve below "/admin/". A route of "/admin"
    // also matches "/admin/" (Vert.x ignores a trailing slash there), hence the exact test.
    router.get(PATH).handler(ctx -> {
      if (PATH.equals(ctx.request().path())) {
        ctx.redirect(PATH + "/");
      } else {
        ctx.next();
      }
    });
    router.get(PATH + "/*")
        .handler(CSPHandler.create()
            .setDirective("default-src", "'self'")
            .setDirective("base-uri", "'none'")
            .setDirective("object-src", "'none'")
            .setDirective("form-action", "'self'")
            .setDirective("frame-ancestors", "'none'"))
        .handler(XFrameHandler.create(XFrameHandler.DENY))
        .handler(AdminConsole::pageHeaders)
        .handler(StaticHandler.create(WEBROOT)
            .setIndexPage("index.html")
            .setDirectoryListing(false)
            .setCachingEnabled(false));
  }

  /** No sniffing, no referrer to other sites, and a new release is picked up at the next load. */
  private static void pageHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache");
    ctx.next();
  }
}
