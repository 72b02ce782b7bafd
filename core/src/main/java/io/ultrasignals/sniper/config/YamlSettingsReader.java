package io.ultrasignals.sniper.config;

import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns YAML text into a {@link SettingNode} tree whose nodes carry their line. Scalars resolve as in YAML 1.1,
 * the same as PyYAML's {@code safe_load} in the Python runners, so both read one file alike.
 */
final class YamlSettingsReader {
    private static final int MAX_DEPTH = 40;
    private static final Set<Tag> TYPED_SCALARS = Set.of(Tag.NULL, Tag.BOOL, Tag.INT, Tag.FLOAT);
    /** Top-level sections the agent reads (and sniper_mode, to say it belongs under runtime); the others are checked as YAML but not converted. */
    static final Set<String> AGENT_SECTIONS = Set.of(RedisSettings.SECTION.name(), SniperModeSettings.RUNTIME.name(),
            AgentSettings.SECTION.name(), SniperModeSettings.SECTION.name());

    private final String sourceName;
    private final ScalarConstructor scalars;

    private YamlSettingsReader(String sourceName, LoaderOptions options) {
        this.sourceName = sourceName;
        this.scalars = new ScalarConstructor(options);
    }

    /**
     * The document as a mapping; an empty document is an empty mapping.
     *
     * @throws SettingsException for malformed YAML (with its line) or a document that is not a mapping
     */
    static SettingNode.Mapping read(String yamlText, String sourceName) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(MAX_DEPTH);
        Node document;
        try {
            document = new Yaml(options).compose(new StringReader(yamlText));
        } catch (MarkedYAMLException e) {
            throw malformed(sourceName, e);
        } catch (YAMLException e) {
            throw SettingsException.inSource(sourceName, "malformed YAML: " + e.getMessage());
        }
        if (document == null) {
            return new SettingNode.Mapping(sourceName);
        }
        YamlSettingsReader reader = new YamlSettingsReader(sourceName, options);
        SettingNode root;
        try {
            root = reader.convert(document, 0);
        } catch (MarkedYAMLException e) {
            throw malformed(sourceName, e);
        }
        if (!(root instanceof SettingNode.Mapping mapping)) {
            throw SettingsException.inSource(root.origin(),
                    "the settings must be a YAML mapping of sections (redis:, runtime:, ...), got " + root.describe());
        }
        return mapping;
    }

    /**
     * Only the problem and its position: SnakeYAML's own message quotes the offending line, which may hold a password.
     */
    private static SettingsException malformed(String sourceName, MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        String where = mark == null ? sourceName : sourceName + " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
        String problem = e.getProblem() != null ? e.getProblem() : "unreadable";
        String context = "";
        if (e.getContext() != null) {
            Mark started = e.getContextMark();
            boolean elsewhere = started != null && mark != null && started.getLine() != mark.getLine();
            context = " (" + e.getContext() + (elsewhere ? " that starts on line " + (started.getLine() + 1) : "") + ")";
        }
        return SettingsException.inSource(where, "malformed YAML: " + problem + context);
    }

    private String origin(Node node) {
        return sourceName + " line " + (node.getStartMark().getLine() + 1);
    }

    private SettingNode convert(Node node, int depth) {
        if (depth > MAX_DEPTH) {
            throw SettingsException.inSource(origin(node),
                    "nested deeper than " + MAX_DEPTH + " levels (an alias that contains itself?)");
        }
        if (node instanceof MappingNode mapping) {
            return mapping(mapping, depth);
        }
        if (node instanceof SequenceNode sequence) {
            List<SettingNode> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                items.add(convert(item, depth + 1));
            }
            return new SettingNode.Sequence(origin(node), List.copyOf(items));
        }
        ScalarNode scalar = (ScalarNode) node;
        Object value = TYPED_SCALARS.contains(scalar.getTag()) ? scalars.construct(scalar) : scalar.getValue();
        if (value instanceof Integer i) {
            value = i.longValue();
        } else if (value instanceof BigInteger big && big.bitLength() < 64) {
            value = big.longValue();
        }
        return new SettingNode.Scalar(origin(node), value, scalar.getValue());
    }

    private SettingNode.Mapping mapping(MappingNode node, int depth) {
        SettingNode.Mapping result = new SettingNode.Mapping(origin(node));
        List<Node> merged = new ArrayList<>();
        for (NodeTuple tuple : node.getValue()) {
            Node key = tuple.getKeyNode();
            if (key.getTag().equals(Tag.MERGE)) {
                merged.add(tuple.getValueNode());
                continue;
            }
            String name = key instanceof ScalarNode scalarKey ? scalarKey.getValue() : "(a " + key.getNodeId() + " used as a key)";
            if (depth == 0 && !AGENT_SECTIONS.contains(name)) {
                continue;
            }
            result.add(new SettingNode.Entry(name, origin(key), convert(tuple.getValueNode(), depth + 1)));
        }
        // "<<: *defaults" and "<<: [*a, *b]": keys written in the mapping win, then earlier merged mappings.
        for (Node source : merged) {
            List<Node> sources = source instanceof SequenceNode list ? list.getValue() : List.of(source);
            for (Node each : sources) {
                if (convert(each, depth + 1) instanceof SettingNode.Mapping mergedMapping) {
                    mergedMapping.entries().stream()
                            .filter(entry -> depth > 0 || AGENT_SECTIONS.contains(entry.key()))
                            .forEach(result::addIfAbsent);
                }
            }
        }
        return result;
    }

    /** SnakeYAML's YAML 1.1 scalar rules (0x1F, 1_000, yes/no, .inf), used for single scalars only. */
    private static final class ScalarConstructor extends SafeConstructor {
        ScalarConstructor(LoaderOptions options) {
            super(options);
        }

        Object construct(ScalarNode node) {
            return constructObject(node);
        }
    }
}
