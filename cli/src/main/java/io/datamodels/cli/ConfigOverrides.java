package io.datamodels.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.util.List;

/** {@code --set KEY=VALUE} options as a JSON object: VALUE is read as JSON where it parses, else as a string. */
final class ConfigOverrides {
    private ConfigOverrides() {
    }

    /** Adds every {@code KEY=VALUE} of {@code sets} to {@code into}. */
    static ObjectNode apply(List<String> sets, ObjectNode into, CommandSpec spec) {
        for (String kv : sets) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--set: expected KEY=VALUE, got '" + kv + "'");
            }
            String v = kv.substring(eq + 1);
            JsonNode val;
            try {
                val = Json.parseTree("--set", v);
            } catch (io.datamodels.ConfigException e) {
                val = null;
            }
            into.set(kv.substring(0, eq).strip(),
                    val == null || val.isMissingNode() ? com.fasterxml.jackson.databind.node.TextNode.valueOf(v) : val);
        }
        return into;
    }
}
