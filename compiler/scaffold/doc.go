// Package scaffold writes the first app definition of an existing project,
// for kiln init. It reads what the project already states: its build file
// (go.mod, package.json, pyproject.toml or requirements.txt, pom.xml or
// build.gradle, an index.html), a Dockerfile's EXPOSE, the port its code
// or its framework listens on, and the repository's CODEOWNERS. From them
// it infers the language and its version, the port, the owner and the
// name, and writes a kiln.yaml in which each inferred value says where it
// came from, and each value it could not find is a placeholder that
// validates, marked TODO, so that the file is usable at once and its gaps
// are plain to see.
//
// Detection reads files only, through an fs.FS, and never runs the
// project's tools: the result depends on the files alone, so the same
// project always gets the same definition.
package scaffold
