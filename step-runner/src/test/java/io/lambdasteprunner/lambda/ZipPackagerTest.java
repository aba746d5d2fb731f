package io.lambdasteprunner.lambda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZipPackagerTest {

    private static final String CODE = "def lambda_handler(event, context):\n    return {'ok': 'ünïcode ✓'}\n";

    @Test
    void shouldRecordMode0644ThatPythonsZipfileReads(@TempDir Path dir) throws Exception {
        // Given a zip packed in memory
        Path zip = dir.resolve("function.zip");
        Files.write(zip, new ZipPackager().zip("lambda_function.py", CODE));

        // When Python's zipfile lists and reads it (as Lambda's tooling would)
        Process python = new ProcessBuilder("python3", "-c", String.join("\n",
                "import sys, zipfile",
                "z = zipfile.ZipFile(sys.argv[1])",
                "assert z.testzip() is None",
                "for i in z.infolist():",
                "    print(i.filename, oct(i.external_attr >> 16), i.create_system, i.compress_type)",
                "sys.stdout.write(z.read('lambda_function.py').decode('utf-8'))"), zip.toString())
                .redirectErrorStream(true).start();
        assertTrue(python.waitFor(30, TimeUnit.SECONDS));
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        // Then the entry is a regular file, rw-r--r--, made on Unix, deflated, with the code intact
        assertEquals(0, python.exitValue(), output);
        assertEquals("lambda_function.py 0o100644 3 8\n" + CODE, output);
    }

    @Test
    void shouldUnpackWithJavasZipReader() throws Exception {
        byte[] zip = new ZipPackager().zip("index.mjs", "export const handler = async () => 42;\n");

        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry entry = in.getNextEntry();
            assertEquals("index.mjs", entry.getName());
            assertEquals("export const handler = async () => 42;\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertNull(in.getNextEntry());
        }
    }

    @Test
    void shouldPackAnEmptyFileAndLargeCode(@TempDir Path dir) throws Exception {
        String big = "# filler line for a large handler file\n".repeat(50_000);
        byte[] zip = new ZipPackager().zip("lambda_function.rb", big);

        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            in.getNextEntry();
            assertEquals(big, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(new ZipPackager().zip("empty.py", "")))) {
            assertEquals("empty.py", in.getNextEntry().getName());
            assertEquals(0, in.readAllBytes().length);
        }
    }
}
