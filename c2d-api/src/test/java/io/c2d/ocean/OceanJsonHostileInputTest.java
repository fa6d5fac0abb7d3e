package io.c2d.ocean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.c2d.C2dException;
import io.c2d.InvalidRequestException;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input for the readers of {@link OceanJson} (issue 16): extreme numerals, wrong types,
 * deep nesting and random mutations of real bodies. Whatever the input, a reader either accepts it
 * or refuses it with a {@link C2dException}; nothing else may escape.
 */
final class OceanJsonHostileInputTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String MARK = "@@value@@";
  private static final Map<String, String> SAMPLES = new ConcurrentHashMap<>();
  private static final ContainerSpec BRANIN =
      new ContainerSpec(
          "oceanprotocol/algo_dockers",
          "python-branin",
          "sha256:b29814cf5792e684cd75d6a7fce7a67a11887e312f87ca2ac2496d81f365ff72",
          "python $ALGO");

  /** Numerals at the edges of what JSON and Java can hold, as JSON text. */
  private static final List<String> EXTREME_NUMBERS =
      List.of(
          "11e9990",
          "-11e9990",
          "1e309",
          "-1e309",
          "1e-9999",
          "4.9e-325",
          "1.7976931348623157e308",
          "9223372036854775807",
          "9223372036854775808",
          "-9223372036854775809",
          "18446744073709551616",
          "1" + "0".repeat(400),
          "0." + "0".repeat(400) + "1",
          "1" + "0".repeat(400) + ".5",
          "-0",
          "-0.0",
          "0e0",
          "2147483648",
          "31556889864403200",
          "1e18");

  /** Values of every JSON kind, including the extremes, to put where another kind belongs. */
  private static final List<String> ANY_VALUES =
      Stream.concat(
              Stream.of(
                  "null",
                  "true",
                  "false",
                  "0",
                  "1",
                  "-1",
                  "1.5",
                  "\"\"",
                  "\" \"",
                  "\"x\"",
                  "\"11e9990\"",
                  "\"NaN\"",
                  "\"Infinity\"",
                  "\"-1\"",
                  "\"99999999999999999999\"",
                  "\"\\u0000\"",
                  "[]",
                  "{}",
                  "[null]",
                  "[{}]",
                  "{\"a\":{\"b\":[1]}}",
                  nested(50)),
              EXTREME_NUMBERS.stream())
          .toList();

  // ---------------------------------------------------------------------------------------------
  // The overflow found by fuzzing

  @Test
  void aResourceAmountTooLargeForADoubleIsRefusedNamingIt() {
    String body =
        sample("start-provider-v4.json")
            .replace("{\"id\": \"ram\", \"amount\": 4}", ram("11e9990"));

    assertThatThrownBy(() -> OceanJson.parseStartRequest(body).build())
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo("resources[1].amount"));
  }

  static Stream<Arguments> extremeAmounts() {
    return Stream.of(
        Arguments.of("11e9990", "resources[1].amount"),
        Arguments.of("-11e9990", "resources[1].amount"),
        Arguments.of("1e309", "resources[1].amount"),
        Arguments.of("1" + "0".repeat(400), "resources[1].amount"),
        Arguments.of("1" + "0".repeat(400) + ".5", "resources[1].amount"),
        Arguments.of("18446744073709551616", "resources[1].amount"));
  }

  @ParameterizedTest(name = "amount {0}")
  @MethodSource("extremeAmounts")
  void anExtremeResourceAmountIsRefusedNamingIt(String amount, String field) {
    String body =
        sample("start-provider-v4.json").replace("{\"id\": \"ram\", \"amount\": 4}", ram(amount));

    assertThatThrownBy(() -> OceanJson.parseStartRequest(body).build())
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  static Stream<String> numeralsJsonDoesNotAllow() {
    return Stream.of(
        "NaN",
        "Infinity",
        "-Infinity",
        "+1",
        "0x10",
        "1_000",
        "01",
        ".5",
        "1.",
        "1e",
        "--1",
        "1" + "0".repeat(1500));
  }

  @ParameterizedTest(name = "amount {0}")
  @MethodSource("numeralsJsonDoesNotAllow")
  void aNumeralJsonDoesNotAllowIsRefusedAsTheBody(String amount) {
    String body =
        sample("start-provider-v4.json").replace("{\"id\": \"ram\", \"amount\": 4}", ram(amount));

    assertThatThrownBy(() -> OceanJson.parseStartRequest(body))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("body"));
  }

  @Test
  void aVanishinglySmallAmountIsZero() {
    String body =
        sample("start-provider-v4.json")
            .replace("{\"id\": \"ram\", \"amount\": 4}", ram("1e-9999"));

    assertThat(OceanJson.parseStartRequest(body).build().resources().orElseThrow().memoryBytes())
        .isZero();
  }

  static Stream<Arguments> datesBeyondInstant() {
    return Stream.of(
        Arguments.of("validUntil", "9223372036854775807"),
        Arguments.of("validUntil", "31556889864403200"),
        Arguments.of("expiresAt", "9223372036854775807"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("datesBeyondInstant")
  void anExpiryBeyondTheLastInstantIsRefusedNamingIt(String member, String seconds) {
    ObjectNode root = (ObjectNode) tree(sample("start-provider-v4.json"));
    root.remove("validUntil");
    root.put(member, MARK);
    String body = root.toString().replace('"' + MARK + '"', seconds);

    assertThatThrownBy(() -> OceanJson.parseStartRequest(body).build())
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(member));
  }

  @Test
  void aStatusDateTooLargeForADoubleIsRefusedNamingIt() {
    ArrayNode list = (ArrayNode) tree(sample("status-list.json"));
    ((ObjectNode) list.get(0)).put("dateCreated", MARK);
    String json = list.toString().replace('"' + MARK + '"', "11e9990");

    assertThatThrownBy(() -> OceanJson.readStatusList(json))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("[0].dateCreated"));
  }

  // ---------------------------------------------------------------------------------------------
  // Deep nesting

  @Test
  void aBodyNestedBeyondTheParsersDepthIsRefusedAsTheBody() {
    String deep = nested(100_000);

    assertThatThrownBy(() -> OceanJson.parseStartRequest(deep))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("body"));
    assertThatThrownBy(() -> OceanJson.readStatusList(deep))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> OceanJson.readResultsList(deep))
        .isInstanceOf(InvalidRequestException.class);
  }

  @ParameterizedTest(name = "depth {0}")
  @MethodSource("depths")
  void deeplyNestedCustomDataIsAcceptedOrRefusedAndAlwaysTyped(int depth) {
    for (String member : List.of("algorithm.algocustomdata", "dataset.userdata")) {
      String object = "{\"a\":" + nested(depth) + "}";
      assertTyped(withValue("start-provider-v4.json", member, object));
      assertTyped(withValue("start-provider-v4.json", member, TextNode.valueOf(object)));
    }
  }

  static Stream<Integer> depths() {
    return Stream.of(10, 500, 990, 994, 995, 996, 997, 998, 999, 1000, 1001, 2000);
  }

  // ---------------------------------------------------------------------------------------------
  // Sweeps and mutations

  @Test
  void everyMemberOfEveryStartBodyTakesAnyValueWithoutAnInternalError() {
    int tried = 0;
    for (String sample :
        List.of("start-provider-v4.json", "start-ocean-node.json", "start-raw.json")) {
      for (String path : paths(tree(sample(sample)), "")) {
        for (String value : ANY_VALUES) {
          String body = withValue(sample, path, value);
          assertTyped(body);
          tried++;
        }
      }
    }
    assertThat(tried).isGreaterThan(1000);
  }

  @Test
  void everyMemberOfTheListsTakesAnyValueWithoutAnInternalError() {
    for (String sample :
        List.of("status-list.json", "status-list-operator.json", "results-list.json")) {
      // the first two entries hold every kind of member: a running job and an ended one
      List<String> paths =
          paths(tree(sample(sample)), "").stream()
              .filter(path -> path.startsWith("[0]") || path.startsWith("[1]"))
              .toList();
      for (String path : paths) {
        for (String value : ANY_VALUES) {
          String json = withValue(sample, path, value);
          assertListTyped(json);
        }
      }
    }
  }

  @Test
  void randomMutationsOfRealBodiesNeverCauseAnInternalError() {
    Random random = new Random(16);
    List<String> tokens =
        List.of(
            "11e9990",
            "-1",
            "1e-400",
            "9223372036854775808",
            "null",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "\"",
            "\\",
            "\\u0000",
            "true",
            "[[[[[[[[",
            "0.5",
            "\"\"",
            "-0",
            "1.5e300");
    List<String> samples =
        List.of(
            "start-provider-v4.json",
            "start-ocean-node.json",
            "start-raw.json",
            "status-list.json",
            "status-list-operator.json",
            "results-list.json");
    for (int i = 0; i < 3_000; i++) {
      String name = samples.get(i % samples.size());
      StringBuilder text = new StringBuilder(sample(name));
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        int at = random.nextInt(text.length());
        switch (random.nextInt(3)) {
          case 0 -> text.insert(at, tokens.get(random.nextInt(tokens.size())));
          case 1 -> text.delete(at, Math.min(text.length(), at + 1 + random.nextInt(8)));
          default -> text.setCharAt(at, (char) (0x20 + random.nextInt(0x5f)));
        }
      }
      String json = text.toString();
      if (name.startsWith("start")) {
        assertTyped(json);
      } else {
        assertListTyped(json);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Parses and builds a start body (both forms of the parser); only typed failures may escape. */
  private static void assertTyped(String body) {
    try {
      OceanJson.parseStartRequest(body).build().bodySha256();
    } catch (C2dException expected) {
      // typed: what a provider answers as a 4xx
    } catch (RuntimeException | Error e) {
      throw new AssertionError("internal error " + e + " for body " + abbreviate(body), e);
    }
    try {
      OceanJson.parseStartRequest(body, OceanJsonHostileInputTest::published).build().bodySha256();
    } catch (C2dException expected) {
      // typed
    } catch (RuntimeException | Error e) {
      throw new AssertionError("internal error " + e + " for body " + abbreviate(body), e);
    }
  }

  private static void assertListTyped(String json) {
    try {
      OceanJson.writeStatusList(OceanJson.readStatusList(json));
    } catch (C2dException expected) {
      // typed
    } catch (RuntimeException | Error e) {
      throw new AssertionError("internal error " + e + " for status list " + abbreviate(json), e);
    }
    try {
      OceanJson.writeResultsList(OceanJson.readResultsList(json));
    } catch (C2dException expected) {
      // typed
    } catch (RuntimeException | Error e) {
      throw new AssertionError("internal error " + e + " for results list " + abbreviate(json), e);
    }
  }

  private static Optional<ContainerSpec> published(Did algorithm) {
    return Optional.of(BRANIN);
  }

  private static String ram(String amount) {
    return "{\"id\": \"ram\", \"amount\": " + amount + "}";
  }

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  /** The sample with the member at {@code path} set to {@code json}, verbatim. */
  private static String withValue(String sample, String path, String json) {
    JsonNode root = tree(sample(sample));
    set(root, path, TextNode.valueOf(MARK));
    return root.toString().replace('"' + MARK + '"', json);
  }

  private static String withValue(String sample, String path, JsonNode value) {
    JsonNode root = tree(sample(sample));
    set(root, path, value);
    return root.toString();
  }

  /** Every member and element path of a tree, such as {@code a.b[0].c} or {@code [1].d}. */
  private static List<String> paths(JsonNode node, String prefix) {
    List<String> paths = new ArrayList<>();
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> member = it.next();
        String path = prefix.isEmpty() ? member.getKey() : prefix + "." + member.getKey();
        paths.add(path);
        paths.addAll(paths(member.getValue(), path));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String path = prefix + "[" + i + "]";
        paths.add(path);
        paths.addAll(paths(node.get(i), path));
      }
    }
    return paths;
  }

  private static void set(JsonNode root, String path, JsonNode value) {
    List<Object> steps = steps(path);
    JsonNode parent = root;
    for (Object step : steps.subList(0, steps.size() - 1)) {
      parent = step instanceof Integer index ? parent.get(index) : parent.get((String) step);
    }
    Object last = steps.get(steps.size() - 1);
    if (last instanceof Integer index) {
      ((ArrayNode) parent).set(index, value);
    } else {
      ((ObjectNode) parent).set((String) last, value);
    }
  }

  private static List<Object> steps(String path) {
    List<Object> steps = new ArrayList<>();
    for (String part : path.split("\\.", -1)) {
      int open = part.indexOf('[');
      String name = open < 0 ? part : part.substring(0, open);
      if (!name.isEmpty()) {
        steps.add(name);
      }
      while (open >= 0) {
        int close = part.indexOf(']', open);
        steps.add(Integer.parseInt(part.substring(open + 1, close)));
        open = part.indexOf('[', close);
      }
    }
    return steps;
  }

  private static String abbreviate(String text) {
    return text.length() <= 2000 ? text : text.substring(0, 2000) + "...";
  }

  private static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sample(String name) {
    return SAMPLES.computeIfAbsent(name, OceanJsonHostileInputTest::load);
  }

  private static String load(String name) {
    try (InputStream in = OceanJsonHostileInputTest.class.getResourceAsStream("/ocean/" + name)) {
      assertThat(in).as("test resource /ocean/%s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
