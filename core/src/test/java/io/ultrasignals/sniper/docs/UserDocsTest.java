package io.ultrasignals.sniper.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The documents users read speak to users: no development log (issue numbers, rounds, branches), no machine-load
 * diaries in README or docs/, and every relative link points at a file that exists.
 */
@Tag("unit")
class UserDocsTest {
    /** Words of a development log, not of a user guide. */
    static final List<Pattern> LOG_WORDS = List.of(
            Pattern.compile("(?i)\\bissues? #?[0-9]+"),
            Pattern.compile("\\(#[0-9]+\\)"),
            Pattern.compile("(?i)\\b(this|last|previous|earlier|next) round\\b"),
            Pattern.compile("(?i)\\bthis branch\\b"),
            Pattern.compile("(?i)\\bthe lead\\b"),
            Pattern.compile("(?i)\\bhelper session"));

    /** Machine-load diaries belong with the benchmark figures, not in the guide. */
    static final Pattern LOAD_DIARY = Pattern.compile("(?i)load average");

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

    @Test
    void userDocsCarryNoDevelopmentLog() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path doc : userDocs()) {
            scan(doc, LOG_WORDS, found);
        }
        assertThat(found).as("development-log words in user docs").isEmpty();
    }

    @Test
    void readmeAndDocsCarryNoLoadDiary() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path doc : guide()) {
            scan(doc, List.of(LOAD_DIARY), found);
        }
        assertThat(found).as("load diaries outside benchmarks/").isEmpty();
    }

    @Test
    void relativeLinksPointAtFiles() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : userDocs()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.contains("://") || target.startsWith("mailto:")) {
                    continue;
                }
                if (!Files.exists(doc.getParent().resolve(target))) {
                    broken.add(RepoRoot.path().relativize(doc) + ": " + target);
                }
            }
        }
        assertThat(broken).as("links to missing files").isEmpty();
    }

    @Test
    void theScanCatchesWhatItIsFor() {
        // The patterns themselves, so that a typo in one cannot make the scans above pass vacuously.
        for (String line : List.of("Guard internals (issue 12)", "reproduces issue #9", "fixed (#41)",
                "measured this round", "the previous round's jar", "Last round", "this branch's jar")) {
            assertThat(LOG_WORDS.stream().anyMatch(p -> p.matcher(line).find())).as(line).isTrue();
        }
        for (String line : List.of("Sniper caps signals", "rounds of PING", "a round trip", "2 rounds")) {
            assertThat(LOG_WORDS.stream().anyMatch(p -> p.matcher(line).find())).as(line).isFalse();
        }
    }

    /** README and docs/: the guide. */
    static List<Path> guide() throws IOException {
        Path root = RepoRoot.path();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> files = Files.walk(root.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** The guide plus the other READMEs and the benchmark results a user is sent to. */
    static List<Path> userDocs() throws IOException {
        Path root = RepoRoot.path();
        List<Path> docs = guide();
        for (String other : List.of("lua/README.md", "testkit/README.md")) {
            docs.add(root.resolve(other));
        }
        try (Stream<Path> files = Files.walk(root.resolve("benchmarks"))) {
            files.filter(p -> p.toString().endsWith(".md") && !p.toString().contains("/target/")).sorted()
                    .forEach(docs::add);
        }
        return docs;
    }

    private static void scan(Path doc, List<Pattern> patterns, List<String> found) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        for (int i = 0; i < lines.size(); i++) {
            for (Pattern p : patterns) {
                Matcher m = p.matcher(lines.get(i));
                if (m.find()) {
                    found.add(RepoRoot.path().relativize(doc) + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
    }
}
