package io.lambdasteprunner.local;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
        return new FunctionCode(sha256(zip), zip.length, directory);
    }

    private static long copyLimited(InputStream in, Path target, long budget) throws IOException {
        long written = 0;
        byte[] buffer = new byte[65536];
        try (OutputStream out = Files.newOutputStream(target)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                written += n;
                if (written > budget) {
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
