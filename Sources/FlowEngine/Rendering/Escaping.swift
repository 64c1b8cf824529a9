extension String {
    /// The string with every Unicode scalar that `replacement` maps written as the text it returns:
    /// the one loop behind the JSON, Mermaid and DOT quoting of generated files.
    func replacingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        for scalar in unicodeScalars {
            if let text = replacement(scalar) { out += text } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
