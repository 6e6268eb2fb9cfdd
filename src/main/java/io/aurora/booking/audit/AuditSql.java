package io.aurora.booking.audit;

/** SQL of the audit log (V5 migration: the table and its partitions; V8: the function that appends to it). */
final class AuditSql {

  /**
   * All rows of one change in one call, in the order given: audit_append (V8) numbers and hashes them in that
   * order and inserts them in one statement. {@code at}, {@code seq} and the hashes are the database's to set.
   */
  static final String APPEND = """
      SELECT audit_append($1, $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[],
                          $9::text[], $10::text[], $11::text[], $12::text[])""";

  /** Newest first, keyset-paginated on id; every filter optional ($1 actor, $2 event, $3 action, $4 from, $5 to). */
  static final String PAGE = """
      SELECT id, at, chain, seq, actor_id, actor_role, action, target_type, target_id, event_id, job_id, client_ip,
             request_id, before, after, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
      FROM audit_log
      WHERE ($1::bigint IS NULL OR actor_id = $1) AND ($2::bigint IS NULL OR event_id = $2)
        AND ($3::text IS NULL OR action = $3) AND ($4::timestamptz IS NULL OR at >= $4)
        AND ($5::timestamptz IS NULL OR at < $5) AND ($6::bigint IS NULL OR id < $6)
      ORDER BY id DESC LIMIT $7""";

  /**
   * Every chain walked in order: a row is broken when its hash is not sha256(prev_hash || content) ("hash"),
   * when its prev_hash is not the hash of the row before ("link"), or when rows are missing before it ("gap").
   * The first row kept of a chain whose older rows retention dropped starts it (its prev_hash is taken as is).
   * A chain whose newest row is not its head (rows removed at the end) is reported too.
   */
  static final String VERIFY = """
      WITH checked AS (
        SELECT a.chain, a.seq, a.id, a.hash,
               CASE
                 WHEN a.hash <> sha256(a.prev_hash || audit_content(a)) THEN 'hash'
                 WHEN lag(a.seq) OVER w IS NULL THEN CASE WHEN a.seq = 1 AND a.prev_hash <> '\\x'::bytea THEN 'link' END
                 WHEN a.seq <> lag(a.seq) OVER w + 1 THEN 'gap'
                 WHEN a.prev_hash <> lag(a.hash) OVER w THEN 'link'
               END AS fault
        FROM audit_log a WINDOW w AS (PARTITION BY a.chain ORDER BY a.seq)
      ), chains AS (
        SELECT chain, count(*) AS rows, min(seq) AS first_seq, max(seq) AS last_seq,
               (array_agg(hash ORDER BY seq DESC))[1] AS last_hash,
               (array_agg(seq ORDER BY seq) FILTER (WHERE fault IS NOT NULL))[1] AS broken_seq,
               (array_agg(id ORDER BY seq) FILTER (WHERE fault IS NOT NULL))[1] AS broken_id,
               (array_agg(fault ORDER BY seq) FILTER (WHERE fault IS NOT NULL))[1] AS fault
        FROM checked GROUP BY chain
      )
      SELECT coalesce(c.chain, h.chain) AS chain, coalesce(c.rows, 0) AS rows, c.first_seq, c.last_seq,
             h.seq AS head_seq, c.broken_seq, c.broken_id, c.fault,
             c.rows IS NOT NULL AND (h.seq IS DISTINCT FROM c.last_seq OR h.hash IS DISTINCT FROM c.last_hash) AS head_mismatch
      FROM chains c FULL JOIN audit_chain_heads h ON h.chain = c.chain
      ORDER BY 1""";

  /** Verification reads every row: longer than the pool's statement timeout allows on a big log. */
  static final String VERIFY_TIMEOUT = "SET LOCAL statement_timeout = '15min'";

  private AuditSql() {
  }
}
