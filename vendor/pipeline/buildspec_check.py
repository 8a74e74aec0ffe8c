"""What `vend buildspec check` tells beyond the loader's refusals: where the local build runs a
valid buildspec differently from CodeBuild. Pure."""
from __future__ import annotations

from vendor.pipeline.buildspec import BuildSpec


def local_differences(spec: BuildSpec) -> list[str]:
    """One line each, in file order: features not applied locally, keys CodeBuild ignores,
    artifact paths the local build treats differently."""
    out = [f"not applied locally: {item}" for item in spec.not_applied]
    if spec.exported:
        out.append(f"env/exported-variables: recorded at the end of the build ({', '.join(spec.exported)}); "
                   "no later local stage reads them")
    paths = [("artifacts/base-directory", spec.base_directory)] if spec.base_directory else []
    paths += [(f"artifacts/files/{i}", f) for i, f in enumerate(spec.artifact_files)]
    for where, path in paths:
        if path.startswith("/"):
            out.append(f"{where}: absolute path '{path}' is collected locally only if it lies inside "
                       "$CODEBUILD_SRC_DIR")
        if "$(" in path or "`" in path:
            out.append(f"{where}: '{path}': only $NAME and ${{NAME}} are expanded in artifact paths, "
                       "command substitution is not")
    out += [f"ignored: {w}" for w in spec.warnings]
    return out


def summary(spec: BuildSpec) -> str:
    phases = ", ".join(p.name for p in spec.phases if p.commands or p.finally_) or "none"
    if spec.has_artifacts:
        base = f" under {spec.base_directory}" if spec.base_directory else ""
        artifact = f"artifact: {', '.join(spec.artifact_files)}{base}"
    else:
        artifact = "no artifact (no artifacts section)"
    return f"version {spec.version}, shell {spec.shell}, phases: {phases}; {artifact}"
