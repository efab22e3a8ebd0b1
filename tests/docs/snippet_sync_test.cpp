// The Markdown code blocks marked `<!-- snippet: docs/snippets/x.cpp#region -->` must be exactly
// the region of that file the build compiles, so documentation code cannot drift from code that
// compiles.

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/catch.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path source_dir{AIOSMPP_SOURCE_DIR};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Regions of a snippet file: the lines between `// snippet-begin: name` and `// snippet-end:
// name`, without the marker lines of other regions, dedented by their common indentation.
// Problems (unclosed, repeated or unmatched markers) are appended to `errors`.
std::map<std::string, std::string> parse_regions(const std::string& text,
                                                 std::vector<std::string>& errors) {
  constexpr std::string_view begin_marker = "// snippet-begin: ";
  constexpr std::string_view end_marker = "// snippet-end: ";
  std::map<std::string, std::vector<std::string>> open;
  std::map<std::string, std::string> done;
  for (const auto& line : split_lines(text)) {
    const std::string_view t = trim(line);
    if (t.substr(0, begin_marker.size()) == begin_marker) {
      const std::string name(trim(t.substr(begin_marker.size())));
      if (open.count(name) != 0 || done.count(name) != 0) {
        errors.push_back("region '" + name + "' begins twice");
      }
      open[name];
      continue;
    }
    if (t.substr(0, end_marker.size()) == end_marker) {
      const std::string name(trim(t.substr(end_marker.size())));
      auto it = open.find(name);
      if (it == open.end()) {
        errors.push_back("region '" + name + "' ends without beginning");
        continue;
      }
      std::size_t indent = std::string::npos;
      for (const auto& l : it->second) {
        if (trim(l).empty()) continue;
        indent = std::min(indent, l.find_first_not_of(' '));
      }
      std::string body;
      for (const auto& l : it->second) {
        body +=
            trim(l).empty() ? std::string() : l.substr(indent == std::string::npos ? 0 : indent);
        body += '\n';
      }
      done[name] = body;
      open.erase(it);
      continue;
    }
    for (auto& [name, lines] : open)
      lines.push_back(line);
  }
  for (const auto& [name, lines] : open)
    errors.push_back("region '" + name + "' never ends");
  return done;
}

struct Marker {
  std::string where;  // "docs/x.md:12"
  std::string file;   // "docs/snippets/x.cpp"
  std::string region;
  std::optional<std::string> block;  // the fenced block after the marker
};

// Every `<!-- snippet: path#region -->` in `text`, with the fenced code block that follows it.
std::vector<Marker> find_markers(const std::string& text, const std::string& name) {
  constexpr std::string_view open = "<!-- snippet: ";
  std::vector<Marker> out;
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view t = trim(lines[i]);
    if (t.substr(0, open.size()) != open) continue;
    const auto close = t.find(" -->");
    Marker m;
    m.where = name + ":" + std::to_string(i + 1);
    const std::string_view ref = close == std::string_view::npos
                                     ? std::string_view{}
                                     : t.substr(open.size(), close - open.size());
    const auto hash = ref.find('#');
    if (hash != std::string_view::npos) {
      m.file = std::string(ref.substr(0, hash));
      m.region = std::string(ref.substr(hash + 1));
    }
    std::size_t j = i + 1;
    if (j < lines.size() && trim(lines[j]).substr(0, 3) == "```") {
      std::string block;
      bool closed = false;
      for (++j; j < lines.size(); ++j) {
        if (trim(lines[j]) == "```") {
          closed = true;
          break;
        }
        block += lines[j] + '\n';
      }
      if (closed) m.block = block;
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Compares every marker of `markdown` with the regions it names; returns the problems found.
std::vector<std::string> check_markdown(const std::string& markdown, const std::string& name,
                                        const std::map<std::string, std::string>& files,
                                        std::set<std::string>* used = nullptr) {
  std::vector<std::string> problems;
  for (const auto& m : find_markers(markdown, name)) {
    if (m.file.empty() || m.region.empty()) {
      problems.push_back(m.where + ": marker is not <!-- snippet: path#region -->");
      continue;
    }
    auto f = files.find(m.file);
    if (f == files.end()) {
      problems.push_back(m.where + ": no snippet file " + m.file);
      continue;
    }
    std::vector<std::string> errors;
    const auto regions = parse_regions(f->second, errors);
    auto r = regions.find(m.region);
    if (r == regions.end()) {
      problems.push_back(m.where + ": " + m.file + " has no region '" + m.region + "'");
      continue;
    }
    if (used != nullptr) used->insert(m.file + "#" + m.region);
    if (!m.block) {
      problems.push_back(m.where + ": the marker must be followed by a fenced code block");
      continue;
    }
    if (*m.block != r->second) {
      problems.push_back(m.where + ": the block differs from " + m.file + "#" + m.region +
                         "; it must read:\n" + r->second);
    }
  }
  return problems;
}

std::vector<fs::path> markdown_files() {
  std::vector<fs::path> out{source_dir / "README.md"};
  for (const auto& e : fs::recursive_directory_iterator(source_dir / "docs")) {
    if (e.is_regular_file() && e.path().extension() == ".md") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, std::string> snippet_files() {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(source_dir / "docs" / "snippets")) {
    if (e.is_regular_file() && e.path().extension() == ".cpp") {
      out["docs/snippets/" + e.path().filename().string()] = read_file(e.path());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("snippet regions are parsed and dedented") {
  std::vector<std::string> errors;
  const auto regions = parse_regions(
      "int a;\n  // snippet-begin: outer\n  void f() {\n    // snippet-begin: inner\n"
      "    g();\n    // snippet-end: inner\n  }\n\n  // snippet-end: outer\n",
      errors);
  CHECK(errors.empty());
  REQUIRE(regions.size() == 2);
  CHECK(regions.at("outer") == "void f() {\n  g();\n}\n\n");
  CHECK(regions.at("inner") == "g();\n");

  std::vector<std::string> bad;
  parse_regions("// snippet-begin: a\n// snippet-end: b\n", bad);
  CHECK(bad.size() == 2);  // b ends without beginning, a never ends
}

TEST_CASE("a block that differs from its region is reported") {
  const std::map<std::string, std::string> files{
      {"docs/snippets/x.cpp", "// snippet-begin: r\nint x = 1;\n// snippet-end: r\n"}};
  const std::string good =
      "text\n<!-- snippet: docs/snippets/x.cpp#r -->\n```cpp\nint x = 1;\n```\n";
  CHECK(check_markdown(good, "good.md", files).empty());

  const std::string drifted = "<!-- snippet: docs/snippets/x.cpp#r -->\n```cpp\nint x = 2;\n```\n";
  const auto p1 = check_markdown(drifted, "d.md", files);
  REQUIRE(p1.size() == 1);
  CHECK(p1[0].find("d.md:1: the block differs") == 0);

  CHECK(check_markdown("<!-- snippet: docs/snippets/x.cpp#nope -->\n```\n```\n", "m.md", files)
            .size() == 1);
  CHECK(
      check_markdown("<!-- snippet: docs/snippets/y.cpp#r -->\n```\n```\n", "m.md", files).size() ==
      1);
  CHECK(
      check_markdown("<!-- snippet: docs/snippets/x.cpp#r -->\nno block\n", "m.md", files).size() ==
      1);
}

TEST_CASE("every Markdown snippet block equals the compiled region it names") {
  const auto files = snippet_files();
  REQUIRE(!files.empty());
  for (const auto& [name, text] : files) {
    std::vector<std::string> errors;
    parse_regions(text, errors);
    for (const auto& e : errors)
      FAIL_CHECK(name << ": " << e);
  }
  std::set<std::string> used;
  std::size_t markers = 0;
  for (const auto& path : markdown_files()) {
    const std::string text = read_file(path);
    const std::string name = fs::relative(path, source_dir).generic_string();
    markers += find_markers(text, name).size();
    for (const auto& problem : check_markdown(text, name, files, &used))
      FAIL_CHECK(problem);
  }
  INFO(markers << " snippet blocks checked");
  CHECK(markers >= 10);

  // A region no page shows is dead documentation code: show it or delete it.
  for (const auto& [name, text] : files) {
    std::vector<std::string> errors;
    for (const auto& [region, body] : parse_regions(text, errors)) {
      if (used.count(name + "#" + region) == 0)
        FAIL_CHECK(name << "#" << region << " is shown nowhere");
    }
  }
}
