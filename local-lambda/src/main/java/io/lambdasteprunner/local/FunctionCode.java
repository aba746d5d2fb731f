package io.lambdasteprunner.local;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** A function's deployment package: checked against Lambda's limits and unpacked for running. */
record FunctionCode(String sha256, long size, Path directory) {

    static final long MAX_ZIPPED_BYTES = io.lambdasteprunner.facts.LambdaLimits.ZIPPED_CODE_BYTES;
    static final long MAX_UNZIPPED_BYTES = io.lambdasteprunner.facts.LambdaLimits.UNZIPPED_CODE_BYTES;
    /** The request-size limit AWS reports when a direct upload is too big. */
    static final long MAX_CREATE_REQUEST_BYTES = 69_905_067L;

    /**
     * Checks and unpacks a package into {@code directory}. A refused package (too large zipped or
     * unzipped, not a zip, a path leaving the directory) leaves nothing on disk.
     */
    static FunctionCode unpack(byte[] zip, Path directory) {
        if (zip.length > MAX_ZIPPED_BYTES) {
            throw LambdaException.tooLarge(MAX_CREATE_REQUEST_BYTES, "CreateFunction");
        }
        try {
            return unpackChecked(zip, directory);
        } catch (RuntimeException e) {
            FunctionRegistry.deleteQuietly(directory);
            throw e;
        }
    }

    private static FunctionCode unpackChecked(byte[] zip, Path directory) {
        long unzipped = 0;
        int entries = 0;
        try {
            Files.createDirectories(directory);
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                    entries++;
                    Path target = directory.resolve(entry.getName()).normalize();
                    if (!target.startsWith(directory)) {
                        throw LambdaException.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                        continue;
                    }
                    Files.createDirectories(target.getParent());
                    unzipped += copyLimited(in, target, MAX_UNZIPPED_BYTES - unzipped);
                }
            }
        } catch (IOException e) {
            throw LambdaException.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
        }
        if (entries == 0) {
            throw LambdaException.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
        }
        markExecutables(zip, directory);
        return new FunctionCode(sha256(zip), zip.length, directory);
    }

    /**
     * Lambda keeps the Unix permissions a zip records: a file stored executable (a wrapper script, a
     * binary, a custom runtime's bootstrap) is executable in {@code /var/task}. {@link ZipInputStream}
     * does not read them, so they come from the zip's central directory: each entry's "external
     * attributes", whose upper 16 bits are the Unix mode when the entry was made on Unix.
     */
    private static void markExecutables(byte[] zip, Path directory) {
        ByteBuffer buffer = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int end = -1;
        for (int i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
            if (buffer.getInt(i) == 0x06054b50) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return; // no end record found (a zip64 or unusual archive): permissions stay as unpacked
        }
        int count = Short.toUnsignedInt(buffer.getShort(end + 10));
        long at = Integer.toUnsignedLong(buffer.getInt(end + 16));
        for (int n = 0; n < count && at + 46 <= zip.length && buffer.getInt((int) at) == 0x02014b50; n++) {
            int i = (int) at;
            int madeBy = Short.toUnsignedInt(buffer.getShort(i + 4)) >>> 8;
            int nameLength = Short.toUnsignedInt(buffer.getShort(i + 28));
            int extraLength = Short.toUnsignedInt(buffer.getShort(i + 30));
            int commentLength = Short.toUnsignedInt(buffer.getShort(i + 32));
            int mode = buffer.getInt(i + 38) >>> 16;
            if (i + 46 + nameLength > zip.length) {
                return;
            }
            String name = new String(zip, i + 46, nameLength, StandardCharsets.UTF_8);
            if (madeBy == 3 && (mode & 0111) != 0 && !name.endsWith("/")) {
                Path file = directory.resolve(name).normalize();
                if (file.startsWith(directory) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    file.toFile().setExecutable(true, false);
                }
            }
            at += 46L + nameLength + extraLength + commentLength;
        }
    }

    private static long copyLimited(InputStream in, Path target, long budget) throws IOException {
        long written = 0;
        byte[] buffer = new byte[65536];
        try (OutputStream out = Files.newOutputStream(target)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                written += n;
                // "smaller than": AWS refuses a package of exactly 262144000 unzipped bytes.
                if (written >= budget) {
                    throw LambdaException.invalidParameter(
                            "Unzipped size must be smaller than " + MAX_UNZIPPED_BYTES + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
        return written;
    }

    /** Lambda reports the package's SHA-256 in base64. */
    static String sha256(byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
