// Mustache templates, compiled into kgen (see embed_templates.cmake).
#pragma once
#include <map>
#include <string>

namespace kgen::emit {
const std::map<std::string, std::string>& embedded_templates();
}
