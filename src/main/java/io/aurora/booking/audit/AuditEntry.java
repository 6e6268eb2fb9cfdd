package io.aurora.booking.audit;

import io.vertx.core.json.JsonObject;

/**
 * One audit row to append: what was done, by whom ({@link AuditContext}), to what (target type and id, the
 * event and job it concerns), with the state before and after where a change has one. Built with the
 * {@code with*} copies: {@code AuditEntry.of(EVENT_UPDATED, who).target("event", id).event(id).change(old, new)}.
 */
public record AuditEntry(AuditAction action, AuditContext who, String targetType, String targetId, Long eventId,
                         String jobId, JsonObject before, JsonObject after) {

  public static AuditEntry of(AuditAction action, AuditContext who) {
    return new AuditEntry(action, who, null, null, null, null, null, null);
  }

  public AuditEntry target(String type, Object id) {
    return new AuditEntry(action, who, type, id == null ? null : id.toString(), eventId, jobId, before, after);
  }

  public AuditEntry event(Long id) {
    return new AuditEntry(action, who, targetType, targetId, id, jobId, before, after);
  }

  public AuditEntry job(String id) {
    return new AuditEntry(action, who, targetType, targetId, eventId, id, before, after);
  }

  public AuditEntry change(JsonObject was, JsonObject is) {
    return new AuditEntry(action, who, targetType, targetId, eventId, jobId, was, is);
  }
}
