package io.c2d.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

final class CopyScanTest {

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static InputPrint print(byte[] input) throws IOException {
    return InputPrint.compute(new ByteArrayInputStream(input), null);
  }

  static long matched(byte[] input, byte[]... results) throws IOException {
    CopyScan scan = new CopyScan(List.of(print(input)));
    for (byte[] result : results) {
      scan.scan(new ByteArrayInputStream(result));
    }
    return scan.matchedBytes(0);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  @Test
  void aVerbatimCopyBehindAPrefixMatchesNearlyAllOfTheInput() throws IOException {
    for (int size : new int[] {3000, 200_000, 3 << 20}) {
      byte[] input = random(size, size);
      InputPrint print = print(input);
      long copy = matched(input, concat(text("header line\n"), input, text("trailer")));
      assertThat(copy).as("size %d", size).isGreaterThan(print.distinctBytes() * 8 / 10);
      assertThat(matched(input, input)).isEqualTo(print.distinctBytes());
    }
  }

  @Test
  void unrelatedBytesMatchNothing() throws IOException {
    byte[] input = random(2 << 20, 1);
    assertThat(matched(input, random(4 << 20, 2))).isZero();
    assertThat(matched(input, text("region,total\nnorth,120\nsouth,80\n"))).isZero();
  }

  @Test
  void aCopySplitOverSeveralResultsAddsUp() throws IOException {
    byte[] input = random(1 << 20, 3);
    InputPrint print = print(input);
    CopyScan scan = new CopyScan(List.of(print));
    int parts = 4;
    int part = input.length / parts;
    for (int i = 0; i < parts; i++) {
      int from = i * part;
      int to = i == parts - 1 ? input.length : from + part;
      scan.scan(new ByteArrayInputStream(Arrays.copyOfRange(input, from, to)));
    }
    assertThat(scan.matchedBytes(0)).isGreaterThan(print.distinctBytes() * 8 / 10);
    for (int i = 0; i < parts; i++) {
      assertThat(scan.matchedBytes(i, 0)).isGreaterThan(print.distinctBytes() / parts / 2);
    }
  }

  @Test
  void gzippedCopiesMatch() throws IOException {
    byte[] input = random(2 << 20, 4);
    long distinct = print(input).distinctBytes();
    assertThat(matched(input, gzip(input))).isGreaterThan(distinct * 8 / 10);
    // behind a text prefix, and two members in a row
    assertThat(matched(input, concat(text("log start\n"), gzip(input), gzip(text("x")))))
        .isGreaterThan(distinct * 8 / 10);
  }

  @Test
  void base64CopiesMatch() throws IOException {
    byte[] input = random(1 << 20, 5);
    long distinct = print(input).distinctBytes();
    byte[] mime = Base64.getMimeEncoder(76, new byte[] {'\n'}).encode(input);
    assertThat(matched(input, concat(text("copy follows\n"), mime)))
        .isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, concat(text("x"), Base64.getEncoder().encode(input))))
        .as("one misaligned line: lost, a documented limit")
        .isLessThan(distinct / 10);
    assertThat(matched(input, concat(text("data=\""), Base64.getUrlEncoder().encode(input))))
        .isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, concat(text("start\r\n"), Base64.getMimeEncoder().encode(input))))
        .isGreaterThan(distinct * 8 / 10);
    // base64 of a gzip
    assertThat(matched(input, Base64.getMimeEncoder().encode(gzip(input))))
        .isGreaterThan(distinct * 8 / 10);
  }

  @Test
  void hexCopiesMatch() throws IOException {
    byte[] input = random(256 * 1024, 6);
    long distinct = print(input).distinctBytes();
    String plain = HexFormat.of().formatHex(input);
    assertThat(matched(input, text(plain))).isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, text(plain.toUpperCase(java.util.Locale.ROOT))))
        .isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, text(wrap(plain, 60)))).isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, text(dump(input, "hexdump")))).isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, text(dump(input, "od")))).isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, text(dump(input, "odAn")))).isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, text(dump(input, "xxd")))).isGreaterThan(distinct * 8 / 10);
    assertThat(matched(input, text(dump(input, "0x")))).isGreaterThan(distinct * 8 / 10);
  }

  @Test
  void aSmallInputIsFoundAtTheFineLevel() throws IOException {
    byte[] input = text(csv(120));
    InputPrint print = print(input);
    assertThat(print.level()).isEqualTo(ChunkLevel.FINE);
    assertThat(print.chunks()).isGreaterThan(5);
    assertThat(matched(input, concat(text("copy:\n"), input))).isGreaterThan(input.length / 2);
    assertThat(matched(input, text("region,total\nnorth,4123\nsouth,3200\n"))).isZero();
  }

  @Test
  void aGzipBombIsDecodedOnlyUpToTheBound() throws IOException {
    byte[] input = random(4096, 7);
    byte[] bomb = gzip(new byte[64 << 20]);
    CopyScan scan = new CopyScan(List.of(print(input)));
    long start = System.nanoTime();
    scan.scan(new ByteArrayInputStream(bomb));
    assertThat(scan.matchedBytes(0)).isZero();
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }

  @Test
  void chunkingIsTheSameWhateverTheWriteSizes() throws IOException {
    byte[] data = random(500_000, 8);
    List<Long> whole = chunks(data, data.length);
    assertThat(chunks(data, 1)).isEqualTo(whole);
    assertThat(chunks(data, 7)).isEqualTo(whole);
    assertThat(chunks(data, 65536)).isEqualTo(whole);
  }

  @Test
  void theDecodersGiveTheSameBytesWhateverTheWriteSizes() throws IOException {
    byte[] input = random(20_000, 10);
    byte[] text =
        concat(
            random(3000, 11),
            text("prose before\n"),
            Base64.getMimeEncoder().encode(input),
            random(5000, 12),
            text(dump(input, "hexdump")),
            text(dump(input, "xxd")),
            text(wrap(HexFormat.of().formatHex(input), 60)));
    for (boolean hex : new boolean[] {false, true}) {
      byte[] whole = decoded(hex, text, text.length);
      assertThat(whole.length).isGreaterThan(input.length);
      for (int step : new int[] {1, 7, 100, 4096}) {
        assertThat(decoded(hex, text, step)).as("hex %s, step %d", hex, step).isEqualTo(whole);
      }
    }
  }

  private static byte[] decoded(boolean hex, byte[] text, int step) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteSink collect =
        new ByteSink() {
          @Override
          public void write(byte[] b, int off, int len) {
            out.write(b, off, len);
          }

          @Override
          public void finish() {}
        };
    ByteSink view = hex ? new HexView(collect) : new Base64View(collect);
    for (int i = 0; i < text.length; i += step) {
      view.write(text, i, Math.min(step, text.length - i));
    }
    view.finish();
    return out.toByteArray();
  }

  private static List<Long> chunks(byte[] data, int step) {
    List<Long> out = new java.util.ArrayList<>();
    Chunker chunker = new Chunker(ChunkLevel.COARSE, (fp, len) -> out.add(fp ^ ((long) len << 48)));
    for (int i = 0; i < data.length; i += step) {
      chunker.write(data, i, Math.min(step, data.length - i));
    }
    chunker.finish();
    return out;
  }

  static String csv(int rows) {
    StringBuilder sb = new StringBuilder("id,name,region,amount\n");
    Random r = new Random(9);
    for (int i = 0; i < rows; i++) {
      sb.append(i)
          .append(",customer-")
          .append(r.nextInt(1_000_000))
          .append(',')
          .append(new String[] {"north", "south", "east", "west"}[r.nextInt(4)])
          .append(',')
          .append(r.nextInt(100_000))
          .append('\n');
    }
    return sb.toString();
  }

  private static String wrap(String s, int width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i += width) {
      sb.append(s, i, Math.min(s.length(), i + width)).append('\n');
    }
    return sb.toString();
  }

  /** The text formats of hexdump -C, od -tx1, od -An -tx1, xxd and C arrays. */
  private static String dump(byte[] b, String format) {
    StringBuilder sb = new StringBuilder();
    HexFormat hex = HexFormat.of();
    int width = format.equals("0x") ? 12 : 16;
    for (int off = 0; off < b.length; off += width) {
      int end = Math.min(b.length, off + width);
      if (format.equals("hexdump")) {
        sb.append(String.format("%08x ", off));
        for (int i = off; i < end; i++) {
          sb.append(i - off == 8 ? "  " : " ").append(hex.toHexDigits(b[i]));
        }
        sb.append("  |");
        for (int i = off; i < end; i++) {
          sb.append(b[i] >= 32 && b[i] < 127 ? (char) b[i] : '.');
        }
        sb.append("|\n");
      } else if (format.startsWith("od")) {
        if (format.equals("od")) {
          sb.append(String.format("%07o", off));
        }
        for (int i = off; i < end; i++) {
          sb.append(' ').append(hex.toHexDigits(b[i]));
        }
        sb.append('\n');
      } else if (format.equals("xxd")) {
        sb.append(String.format("%08x:", off));
        for (int i = off; i < end; i += 2) {
          sb.append(' ').append(hex.toHexDigits(b[i]));
          if (i + 1 < end) {
            sb.append(hex.toHexDigits(b[i + 1]));
          }
        }
        sb.append("  ");
        for (int i = off; i < end; i++) {
          sb.append(b[i] >= 32 && b[i] < 127 ? (char) b[i] : '.');
        }
        sb.append('\n');
      } else {
        for (int i = off; i < end; i++) {
          sb.append("0x").append(hex.toHexDigits(b[i])).append(", ");
        }
        sb.append('\n');
      }
    }
    if (format.startsWith("hexdump")) {
      sb.append(String.format("%08x\n", b.length));
    }
    return sb.toString();
  }
}
