package io.datamodels;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Properties;

/**
 * What produced an output: enough to rerun it (Tribuo's {@code ModelProvenance} is the model). Written beside every
 * output, together with the config record and root seed that the output's own metadata holds.
 *
 * @param library    datamodels library version
 * @param jdk        Java runtime version and vendor
 * @param os         operating system name, version and architecture
 * @param kernel     the dense-kernel implementation in use, or "none" where no kernel ran
 * @param command    the command line or API call that produced the output
 * @param createdAt  ISO-8601 instant
 */
public record Provenance(@JsonProperty("library") String library,
                         @JsonProperty("jdk") String jdk,
                         @JsonProperty("os") String os,
                         @JsonProperty("kernel") String kernel,
                         @JsonProperty("command") String command,
                         @JsonProperty("created_at") String createdAt) {

    /** The version of this library, from the build; "dev" when run from classes without one. */
    public static String libraryVersion() {
        try (InputStream in = Provenance.class.getResourceAsStream("/io/datamodels/version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    /** Provenance of the current process for {@code command}, stamped now. */
    public static Provenance now(String kernel, String command) {
        return new Provenance(libraryVersion(),
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                kernel, command, Instant.now().toString());
    }
}
