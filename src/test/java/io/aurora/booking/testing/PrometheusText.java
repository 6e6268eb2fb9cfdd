package io.aurora.booking.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/** A scrape in the Prometheus text format, parsed into samples, for tests to assert on. */
public final class PrometheusText {

  public record Sample(String name, Map<String, String> labels, double value) {
  }

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = samples;
  }

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      samples.add(parseLine(line));
    }
    return new PrometheusText(samples);
  }

  private static Sample parseLine(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq).trim();
        StringBuilder value = new StringBuilder();
        int j = eq + 2; // past ="
        while (line.charAt(j) != '"') {
          char c = line.charAt(j);
          if (c == '\\') {
            char next = line.charAt(++j);
            value.append(next == 'n' ? '\n' : next);
          } else {
            value.append(c);
          }
          j++;
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    String[] rest = line.substring(i).trim().split(" ");
    return new Sample(name, labels, parseValue(rest[0]));
  }

  private static double parseValue(String value) {
    return switch (value) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(value);
    };
  }

  public List<Sample> samples() {
    return samples;
  }

  /** Every sample name in the scrape (with their _bucket, _count, _sum, _max, _total suffixes). */
  public Set<String> names() {
    Set<String> names = new TreeSet<>();
    samples.forEach(s -> names.add(s.name()));
    return names;
  }

  public List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The sum of the samples of {@code name} whose labels include every {@code label=value} pair given. */
  public double sum(String name, String... labelPairs) {
    Predicate<Sample> matches = s -> {
      for (int k = 0; k + 1 < labelPairs.length; k += 2) {
        if (!labelPairs[k + 1].equals(s.labels().get(labelPairs[k]))) {
          return false;
        }
      }
      return true;
    };
    return samples(name).stream().filter(matches).mapToDouble(Sample::value).sum();
  }

  public boolean has(String name, String... labelPairs) {
    return samples(name).stream().anyMatch(s -> {
      for (int k = 0; k + 1 < labelPairs.length; k += 2) {
        if (!labelPairs[k + 1].equals(s.labels().get(labelPairs[k]))) {
          return false;
        }
      }
      return true;
    });
  }
}
