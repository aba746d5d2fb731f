package io.lambdasteprunner.lambda;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Packs source files into a zip in memory, each entry readable by everyone (Unix mode 0644).
 *
 * <p>Lambda runs code as a user that is not the file's owner, so entries must be world-readable.
 * {@link java.util.zip.ZipOutputStream} cannot record a Unix mode (its external attributes are always
 * zero), hence this small writer of the plain zip format: deflated entries, a central directory whose
 * entries say "made by Unix" and carry {@code 0100644 << 16} as external attributes. No zip64: a step's
 * code is far below 4 GB. Stateless and thread-safe.
 */
public final class ZipPackager {

    /** Regular file, rw-r--r--. */
    static final int UNIX_MODE = 0100644;
    private static final int VERSION_MADE_BY_UNIX = (3 << 8) | 20;
    private static final int VERSION_NEEDED = 20;
    private static final int METHOD_DEFLATED = 8;
    private static final int UTF8_NAMES = 1 << 11;

    /** Zips one file. */
    public byte[] zip(String fileName, String content) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(fileName, content.getBytes(StandardCharsets.UTF_8));
        return zip(files, LocalDateTime.now());
    }

    /** Zips files in the given order, stamped with {@code time}. */
    public byte[] zip(Map<String, byte[]> files, LocalDateTime time) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        int dosTime = (time.getHour() << 11) | (time.getMinute() << 5) | (time.getSecond() / 2);
        int dosDate = (Math.max(time.getYear() - 1980, 0) << 9) | (time.getMonthValue() << 5) | time.getDayOfMonth();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            byte[] name = file.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] data = file.getValue();
            CRC32 crc = new CRC32();
            crc.update(data);
            byte[] deflated = deflate(data);
            int offset = out.size();

            int32(out, 0x04034b50);
            int16(out, VERSION_NEEDED);
            int16(out, UTF8_NAMES);
            int16(out, METHOD_DEFLATED);
            int16(out, dosTime);
            int16(out, dosDate);
            int32(out, (int) crc.getValue());
            int32(out, deflated.length);
            int32(out, data.length);
            int16(out, name.length);
            int16(out, 0);
            out.writeBytes(name);
            out.writeBytes(deflated);

            int32(central, 0x02014b50);
            int16(central, VERSION_MADE_BY_UNIX);
            int16(central, VERSION_NEEDED);
            int16(central, UTF8_NAMES);
            int16(central, METHOD_DEFLATED);
            int16(central, dosTime);
            int16(central, dosDate);
            int32(central, (int) crc.getValue());
            int32(central, deflated.length);
            int32(central, data.length);
            int16(central, name.length);
            int16(central, 0);
            int16(central, 0);
            int16(central, 0);
            int16(central, 0);
            int32(central, UNIX_MODE << 16);
            int32(central, offset);
            central.writeBytes(name);
        }
        int centralOffset = out.size();
        byte[] directory = central.toByteArray();
        out.writeBytes(directory);
        int32(out, 0x06054b50);
        int16(out, 0);
        int16(out, 0);
        int16(out, files.size());
        int16(out, files.size());
        int32(out, directory.length);
        int32(out, centralOffset);
        int16(out, 0);
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 2));
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static void int16(ByteArrayOutputStream out, int value) {
        out.write(value & 0xff);
        out.write((value >>> 8) & 0xff);
    }

    private static void int32(ByteArrayOutputStream out, int value) {
        int16(out, value & 0xffff);
        int16(out, (value >>> 16) & 0xffff);
    }
}
