package io.c2d.server.assets;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import io.c2d.ocean.OceanDdo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads an {@link AssetFolder}'s directory: the DDO files, their files documents, and every local
 * path they name, none of which may lead outside the directory.
 *
 * <p>Stateless and thread-safe.
 */
final class FolderReader {
  static final String DDO_SUFFIX = ".json";
  static final String FILES_SUFFIX = ".files.json";

  /** A files document is small: a few locators per service. */
  private static final int MAX_FILES_DOCUMENT_BYTES = 1 << 20;

  private static final int MAX_ENTRIES = 10_000;

  private FolderReader() {}

  /** The directory as a real path, refused unless it is a readable directory. */
  static Path root(Path directory) {
    try {
      Path root = directory.toRealPath();
      if (!Files.isDirectory(root)) {
        throw new ConfigurationException(
            ErrorCode.CONFIGURATION_INVALID,
            "asset directory " + directory + " is not a directory");
      }
      return root;
    } catch (IOException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "asset directory " + directory + " cannot be read: " + e,
          e);
    }
  }

  /** Every asset of the directory {@code root} (a real path), by DID. */
  static Map<Did, PublishedAsset> read(Path root) {
    TreeSet<String> ddoNames = new TreeSet<>();
    TreeSet<String> filesNames = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      int count = 0;
      for (Path entry : entries) {
        if (++count > MAX_ENTRIES) {
          throw AssetFolder.invalid(
              root, "has more than " + MAX_ENTRIES + " entries", new IOException("too many"));
        }
        String name = String.valueOf(entry.getFileName());
        if (name.startsWith(".")) {
          continue;
        }
        if (name.endsWith(FILES_SUFFIX)) {
          filesNames.add(name);
        } else if (name.endsWith(DDO_SUFFIX)) {
          ddoNames.add(name);
        }
      }
    } catch (IOException e) {
      throw AssetFolder.invalid(root, "cannot be listed: " + e, e);
    }
    Map<Did, PublishedAsset> assets = new LinkedHashMap<>();
    Map<Did, String> sources = new HashMap<>();
    for (String ddoName : ddoNames) {
      String base = ddoName.substring(0, ddoName.length() - DDO_SUFFIX.length());
      String filesName = base + FILES_SUFFIX;
      PublishedAsset asset =
          readAsset(root, ddoName, filesNames.remove(filesName) ? filesName : null);
      String earlier = sources.putIfAbsent(asset.did(), ddoName);
      if (earlier != null) {
        throw AssetFolder.invalid(
            root,
            ddoName + ": id: repeats " + asset.did() + ", the DID of " + earlier,
            new InvalidRequestException("id", "repeats " + asset.did()));
      }
      assets.put(asset.did(), asset);
    }
    if (!filesNames.isEmpty()) {
      String orphan = filesNames.first();
      String ddoName = orphan.substring(0, orphan.length() - FILES_SUFFIX.length()) + DDO_SUFFIX;
      throw AssetFolder.invalid(
          root,
          orphan + ": has no DDO beside it (" + ddoName + ")",
          new NoSuchFileException(ddoName));
    }
    return Map.copyOf(assets);
  }

  private static PublishedAsset readAsset(
      Path root, String ddoName, @org.jspecify.annotations.Nullable String filesName) {
    String ddoJson = readText(root, ddoName, OceanDdo.MAX_CHARS * 4L);
    Map<String, List<FileLocator>> files = new LinkedHashMap<>();
    if (filesName != null) {
      String filesJson = readText(root, filesName, MAX_FILES_DOCUMENT_BYTES);
      try {
        files.putAll(OceanDdo.readServiceFiles(filesJson, path -> inside(root, path)));
      } catch (InvalidRequestException e) {
        throw AssetFolder.invalid(root, filesName + ": " + e.getMessage(), e);
      }
    }
    try {
      return PublishedAsset.of(ddoJson, files);
    } catch (InvalidRequestException e) {
      String field = e.field();
      if (field.startsWith("files.")) {
        String shown = filesName != null ? filesName : ddoName.replace(DDO_SUFFIX, FILES_SUFFIX);
        String message = String.valueOf(e.getMessage());
        throw AssetFolder.invalid(root, shown + ": " + message.substring("files.".length()), e);
      }
      throw AssetFolder.invalid(root, ddoName + ": " + e.getMessage(), e);
    }
  }

  /**
   * The text of the directory's entry {@code name}, which must be a regular file inside {@code
   * root} once symbolic links are resolved, of at most {@code maxBytes} bytes of UTF-8.
   */
  private static String readText(Path root, String name, long maxBytes) {
    Path file;
    try {
      file = root.resolve(name).toRealPath();
    } catch (IOException e) {
      throw AssetFolder.invalid(root, name + ": cannot be read: " + e, e);
    }
    if (!file.startsWith(root)) {
      throw AssetFolder.invalid(
          root,
          name + ": is a symbolic link that leads out of the directory",
          new InvalidRequestException("file.path", "leads out of the asset directory"));
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw AssetFolder.invalid(
          root, name + ": is not a regular file", new IOException(name + " is not a file"));
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        throw AssetFolder.invalid(
            root,
            name + ": is larger than " + maxBytes + " bytes",
            new IOException(name + " is too large"));
      }
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw AssetFolder.invalid(root, name + ": is not UTF-8 text", e);
    } catch (IOException e) {
      throw AssetFolder.invalid(root, name + ": cannot be read: " + e, e);
    }
  }

  /**
   * The real path of a {@code file} object's {@code path}: relative to {@code root}, without a
   * {@code ..} segment, an existing regular file that is inside {@code root} once symbolic links
   * are resolved.
   *
   * @throws InvalidRequestException ({@code "file.path"}) otherwise
   */
  static Path inside(Path root, String path) {
    Path relative;
    try {
      relative = Path.of(path);
    } catch (InvalidPathException e) {
      throw new InvalidRequestException("file.path", "is not a path: " + Assets.quote(path));
    }
    if (relative.isAbsolute() || path.startsWith("/") || path.startsWith("\\")) {
      throw new InvalidRequestException(
          "file.path", "must be relative to the asset directory: " + Assets.quote(path));
    }
    List<String> segments = new ArrayList<>();
    for (Path segment : relative) {
      segments.add(segment.toString());
    }
    if (segments.contains("..") || path.isEmpty()) {
      throw new InvalidRequestException(
          "file.path", "must not climb out of the asset directory: " + Assets.quote(path));
    }
    Path real;
    try {
      real = root.resolve(relative).toRealPath();
    } catch (NoSuchFileException e) {
      throw new InvalidRequestException(
          "file.path", "names no file in the asset directory: " + Assets.quote(path));
    } catch (IOException e) {
      throw new InvalidRequestException(
          "file.path", "cannot be read: " + Assets.quote(path) + " (" + e + ")");
    }
    if (!real.startsWith(root)) {
      throw new InvalidRequestException(
          "file.path",
          "leads out of the asset directory through a symbolic link: " + Assets.quote(path));
    }
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      throw new InvalidRequestException(
          "file.path", "is not a regular file: " + Assets.quote(path));
    }
    return real;
  }
}
