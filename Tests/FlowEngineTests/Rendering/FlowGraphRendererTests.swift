@testable import FlowEngine
import Testing

struct FlowGraphRendererTests {
    /// Four steps: a prompt, a choice, and both kinds of end, one with a name that needs escaping.
    static let small = #"""
        {
          "id": "small",
          "start": "identify",
          "steps": {
            "identify": {"type": "identify", "next": {"success": "route"}},
            "route": {"type": "choice", "choices": [{"when": {"field": "user", "exists": true}, "next": "done"}], "default": "say \"no\"; <b>"},
            "done": {"type": "allow"},
            "say \"no\"; <b>": {"type": "deny"}
          }
        }
        """#

    func document(_ json: String) throws -> FlowDocument {
        let (document, found) = FlowDecoder.decode(Array(json.utf8), file: "small.json")
        #expect(!found.hasErrors, "\(found)")
        return try #require(document)
    }

    @Test func rendersMermaidWithStartTerminalsAndEdgeLabels() throws {
        #expect(
            FlowGraphRenderer.render(try document(Self.small), format: .mermaid) == #"""
                flowchart TD
                    flow_start(("start")):::start
                    s0["identify<br/>(identify)"]
                    s1{"route<br/>(choice)"}
                    s2(["done<br/>(allow)"]):::allow
                    s3(["say #quot;no#quot;#59; #lt;b#gt;<br/>(deny)"]):::deny
                    flow_start --> s0
                    s0 -->|"success"| s1
                    s1 -->|"when #1"| s2
                    s1 -->|"default"| s3
                    classDef start fill:#37474f,stroke:#37474f,color:#ffffff
                    classDef allow fill:#d4edda,stroke:#2e7d32,color:#1b5e20
                    classDef deny fill:#f8d7da,stroke:#c62828,color:#b71c1c
                    classDef undefined stroke-dasharray:5 5

                """#)
    }

    @Test func rendersDOTWithStartTerminalsAndEdgeLabels() throws {
        #expect(
            FlowGraphRenderer.render(try document(Self.small), format: .dot) == #"""
                digraph "small" {
                    rankdir=TB;
                    node [shape=box, style=rounded, fontname="Helvetica"];
                    edge [fontname="Helvetica", fontsize=10];
                    flow_start [label="start", shape=circle, style=filled, fillcolor="#37474f", fontcolor="#ffffff"];
                    s0 [label="identify\n(identify)"];
                    s1 [label="route\n(choice)", shape=diamond, style=solid];
                    s2 [label="done\n(allow)", shape=doublecircle, style=filled, color="#2e7d32", fillcolor="#d4edda"];
                    s3 [label="say \"no\"; <b>\n(deny)", shape=doublecircle, style=filled, color="#c62828", fillcolor="#f8d7da"];
                    flow_start -> s0;
                    s0 -> s1 [label="success"];
                    s1 -> s2 [label="when #1"];
                    s1 -> s3 [label="default"];
                }

                """#)
    }

    @Test func drawsUndefinedTargetsAsDashedNodesOnce() throws {
        let (broken, _) = FlowDecoder.decode(
            Array(
                #"""
                {
                  "start": "ask",
                  "steps": {
                    "ask": {"type": "password", "next": {"success": "nowhere", "failure": "nowhere", "locked": "stop"}},
                    "stop": {"type": "deny"}
                  }
                }
                """#.utf8), file: "broken.json")
        let document = try #require(broken)
        let dot = FlowGraphRenderer.render(document, format: .dot)
        #expect(dot.contains(#"    u0 [label="nowhere\n(undefined)", style=dashed];"#))
        #expect(dot.contains("    s0 -> u0 [label=\"success\"];\n    s0 -> u0 [label=\"failure\"];\n    s0 -> s1 [label=\"locked\"];"))
        #expect(!dot.contains("u1"))
        let mermaid = FlowGraphRenderer.render(document, format: .mermaid)
        #expect(mermaid.contains(#"    u0["nowhere<br/>(undefined)"]:::undefined"#))
    }

    @Test(arguments: [
        ("plain", "plain"),
        (#"a "quoted" name"#, "a #quot;quoted#quot; name"),
        ("semi;colon", "semi#59;colon"),
        ("#amp; stays text", "#amp#59; stays text"),
        ("<script>&", "#lt;script#gt;#amp;"),
        ("`code`", "#96;code#96;"),
        ("two\nlines", "two lines"),
    ])
    func escapesMermaidLabelText(name: String, escaped: String) {
        #expect(FlowGraphRenderer.mermaidText(name) == escaped)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        (#"a "quoted" name"#, #""a \"quoted\" name""#),
        (#"back\slash \N"#, #""back\\slash \\N""#),
        ("two\nlines", #""two\nlines""#),
    ])
    func escapesDOTStrings(name: String, quoted: String) {
        #expect(FlowGraphRenderer.dotString(name) == quoted)
    }

    @Test func rendersTheSameTextEveryTime() throws {
        let portal = try document(World.portalJSON)
        for format in FlowGraphFormat.allCases {
            #expect(FlowGraphRenderer.render(portal, format: format) == FlowGraphRenderer.render(portal, format: format))
        }
        #expect(FlowGraphFormat.allCases.map(\.rawValue) == ["mermaid", "dot"])
    }
}
